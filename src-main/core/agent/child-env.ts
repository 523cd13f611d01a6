/**
 * Variables of ours that hold a secret, or name a file that holds one, by how they end: the
 * client secret (GARMIN_CLIENT_SECRET, …_FILE), a token (GARMIN_TOKEN from the README's example,
 * an outer R42_AGENT_TOKEN) and keys (R42_SERVER_DATA_KEY). GARMIN_TOKEN_URL and the like end
 * otherwise and stay.
 */
const OUR_SECRET = /^(R42|GARMIN)_(\w*_)?(SECRET|TOKEN|KEY|PASSWORD|PASSPHRASE|CREDENTIALS?)(_FILE)?$/i;

/** Whether `name` is one of our variables that carries a secret. */
export function isOurSecretVariable(name: string): boolean {
  return OUR_SECRET.test(name);
}

/**
 * The environment for a `run --` child: the parent's, minus every secret of ours (the child is
 * someone else's program and needs only its grant), plus the grant's URL, secret and socket.
 */
export function childEnvironment(parent: NodeJS.ProcessEnv, grant: { readonly url: string; readonly secret: string; readonly socket: string | null }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) {
    if (!isOurSecretVariable(name) && name !== 'R42_AGENT_SOCKET') env[name] = value;
  }
  env.R42_AGENT_URL = grant.url;
  env.R42_AGENT_TOKEN = grant.secret;
  // The way in no other user can squat, for clients that can use it (curl --unix-socket, the clients in this repository).
  if (grant.socket) env.R42_AGENT_SOCKET = grant.socket;
  return env;
}
