// A real OpenID Connect provider for the single sign-on tests: node's oidc-provider
// (a certified implementation) on loopback, with its development log-in pages.
// Everything comes from the environment the test gives it:
//   IDP_PORT, IDP_CLIENT_ID, IDP_CLIENT_SECRET, IDP_REDIRECT_URIS (comma-separated),
//   IDP_POST_LOGOUT_REDIRECT_URIS (comma-separated), IDP_ACCOUNTS (JSON: login -> claims).
import Provider from "oidc-provider";

const port = Number(process.env.IDP_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.IDP_ACCOUNTS || "{}");
const list = (name) => (process.env[name] || "").split(",").filter(Boolean);

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.IDP_CLIENT_ID,
      client_secret: process.env.IDP_CLIENT_SECRET,
      client_name: "A1 Studio",
      redirect_uris: list("IDP_REDIRECT_URIS"),
      post_logout_redirect_uris: list("IDP_POST_LOGOUT_REDIRECT_URIS"),
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  scopes: ["openid", "email", "profile", "groups"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
    groups: ["groups"],
  },
  // The people this provider knows: the login typed on its page is the account id.
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  // A company's own app: no consent screen, as an identity provider is usually set up.
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile groups");
    await grant.save();
    return grant;
  },
  // Prove the portal sends a PKCE challenge, not only a client secret.
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ["a1studio-tests-only"] },
});
provider.on("server_error", (ctx, error) => console.error("server_error", error));

provider.listen(port, "127.0.0.1", () => console.log(`listening on ${issuer}`));
