// Test OpenID providers for the suite: one oidc-provider instance (one issuer) per
// municipality, each on its own loopback port. Configuration arrives as JSON on
// stdin; once every issuer listens, one line "READY {json}" goes to stdout with
// the issuers' URLs. devInteractions gives the login and consent pages.
import { createServer } from "node:http";
import Provider from "oidc-provider";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const config = JSON.parse(Buffer.concat(chunks).toString("utf8"));

// An issuer's "port" is fixed when given (the demo), else any free one (the tests).
function listen(server, port) {
  return new Promise((resolve) =>
    server.listen(port || 0, "127.0.0.1", () => resolve(server.address().port)),
  );
}

const ready = {};
for (const issuerConfig of config.issuers) {
  const server = createServer();
  const port = await listen(server, issuerConfig.port);
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = issuerConfig.accounts;
  const provider = new Provider(issuer, {
    clients: issuerConfig.clients,
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    claims: {
      openid: ["sub"],
      // rolesInProfile: the roles claim comes with the default scopes (the demo).
      profile: config.rolesInProfile ? ["name", config.rolesClaim] : ["name"],
      email: ["email"],
      roles: [config.rolesClaim],
      acr: null,
    },
    scopes: ["openid", "profile", "email", "roles", "offline_access"],
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...account };
        },
      };
    },
    cookies: { keys: ["test-cookie-key-not-secret"] },
  });
  provider.proxy = false;
  server.on("request", provider.callback());
  ready[issuerConfig.name] = issuer;
}
process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
