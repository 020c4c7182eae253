// Hubstaff's Node.js demo of its public API, reduced to its calls: discover the account server, refresh a
// personal access token with the placeholder client "PAT" / "PAT" (openid-client requires a client id; the
// token endpoint does not check one for personal tokens), then read users/me and organizations with the access
// token. Usage: node pat_refresh.mjs ISSUER_URL API_URL; the personal access token comes in HUBSTAFF_PAT.
// Prints one JSON object on success; on any failure prints the error and exits with 1.
import { Issuer, TokenSet } from 'openid-client';

const [issuerUrl, apiUrl] = process.argv.slice(2);
const refreshToken = process.env.HUBSTAFF_PAT;

try {
  const issuer = await Issuer.discover(issuerUrl);
  const client = new issuer.Client({ client_id: 'PAT', client_secret: 'PAT' });
  const tokens = await client.refresh(new TokenSet({ refresh_token: refreshToken }));
  const read = async (path) => {
    const response = await client.requestResource(`${apiUrl}/${path}`, tokens);
    if (response.statusCode !== 200) {
      throw new Error(`GET ${path}: ${response.statusCode} ${response.body}`);
    }
    return JSON.parse(response.body.toString());
  };
  const me = await read('users/me');
  const organizations = await read('organizations');
  console.log(
    JSON.stringify({
      token_endpoint: issuer.metadata.token_endpoint,
      rotated: tokens.refresh_token !== refreshToken,
      me: me.user,
      organizations: organizations.organizations,
    }),
  );
} catch (error) {
  console.error(`${error.name}: ${error.message}${error.response ? ` (${error.response.statusCode})` : ''}`);
  process.exit(1);
}
