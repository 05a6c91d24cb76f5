const M=556,O=[556],I={5556:((l,i,n)=>{n.d(i,{stopInterrupted:()=>D});var e=n(4994),P=n(6580),_=n(5640),t=n(4578),s=n(6682),o=n(302);async function D(){const c=(0,s.t0)((0,_.fP)(o.c4.inFlight));if(!c)return;const d=(0,_.fP)(o.c4.region)||void 0,a={ecs:(0,t.nV)(P.Zgc,{region:d}),codedeploy:(0,t.nV)(e.cHd,{region:d})},E=await(0,s.s7)(c,a);(0,_.pq)(E),await(0,_.Sy)(`### \u23F9\uFE0F Deploy interrupted

${E}
`)}})};export{M as id,O as ids,I as modules};
//# sourceMappingURL=556.index.js.map
