const a=294,e=[294],U={2294:((O,s,n)=>{n.r(s),n.d(s,{post:()=>l});var P=n(4994),D=n(6580),t=n(5640),_=n(4578),o=n(6682),c=n(302);function l(){return(0,t.Uc)(async()=>{const E=(0,o.t0)((0,t.fP)(c.c4.inFlight));if(!E)return;const d=(0,t.fP)(c.c4.region)||void 0,M={ecs:(0,_.nV)(D.Zgc,{region:d}),codedeploy:(0,_.nV)(P.cHd,{region:d})},i=await(0,o.s7)(E,M);(0,t.pq)(i),await(0,t.Sy)(`### \u23F9\uFE0F Deploy interrupted

${i}
`)})}})};export{a as id,e as ids,U as modules};
//# sourceMappingURL=294.index.js.map
