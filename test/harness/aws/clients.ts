// AWS SDK v3 client configuration for moto (or the fault proxy in front of it).
import { ACMClient } from '@aws-sdk/client-acm';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';

export const DEFAULT_REGION = 'us-east-1';

/** moto accepts any credentials; these are the conventional fake ones. */
export const FAKE_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export interface AwsClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Config for any SDK v3 client, pointed at `endpoint` (moto or the fault proxy). Spread it to add options:
 * `new ECSClient({ ...awsClientConfig(url), maxAttempts: 1 })`.
 */
export function awsClientConfig(endpoint: string, region: string = DEFAULT_REGION): AwsClientConfig {
  return { endpoint, region, credentials: { ...FAKE_CREDENTIALS } };
}

export interface AwsClients {
  ec2: EC2Client;
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  acm: ACMClient;
  codedeploy: CodeDeployClient;
  /** Closes the clients' sockets. */
  destroy(): void;
}

/** One client of each service the actions use, all with the same endpoint, region and extra options. */
export function createClients(
  endpoint: string,
  region: string = DEFAULT_REGION,
  extra: { maxAttempts?: number } = {},
): AwsClients {
  const config = { ...awsClientConfig(endpoint, region), ...extra };
  const clients = {
    ec2: new EC2Client(config),
    ecs: new ECSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    acm: new ACMClient(config),
    codedeploy: new CodeDeployClient(config),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
