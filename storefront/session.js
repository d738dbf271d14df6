// Who is shopping. With App Service authentication the platform (or the local host's
// imitation of it) answers /.auth/me with an array of identities, 401 when signed out; Azure
// Static Web Apps, in front of the function app in Azure, answers {clientPrincipal} (null when
// signed out). Where authentication is off it answers 404 and the shopper types a handle.

const HANDLE_KEY = "pierogi-shop.handle";

export const SIGN_IN_URL = "/.auth/login/aad?post_login_redirect_uri=/";
export const SIGN_OUT_URL = "/.auth/logout?post_logout_redirect_uri=/";

// {mode: "signed-in", name} | {mode: "signed-out"} | {mode: "handle", handle}
export async function currentSession() {
  let response;
  try {
    response = await fetch("/.auth/me", {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
  } catch {
    return { mode: "handle", handle: storedHandle() };
  }
  if (response.status === 404) return { mode: "handle", handle: storedHandle() };
  if (!response.ok) return { mode: "signed-out" };
  const name = signedInName(await response.json().catch(() => null));
  return name ? { mode: "signed-in", name } : { mode: "signed-out" };
}

function signedInName(me) {
  if (Array.isArray(me)) return me.length ? displayName(me[0]) : null; // App Service
  const principal = me && me.clientPrincipal; // Static Web Apps
  return principal ? principal.userDetails || principal.userId || "you" : null;
}

function displayName(identity) {
  const claims = Array.isArray(identity.user_claims) ? identity.user_claims : [];
  const named = claims.find((claim) => claim.typ === "name" || claim.typ.endsWith("/name"));
  return (named && named.val) || identity.user_id || "you";
}

export function storedHandle() {
  return localStorage.getItem(HANDLE_KEY) || "";
}

export function storeHandle(handle) {
  localStorage.setItem(HANDLE_KEY, handle);
}

export function forgetHandle() {
  localStorage.removeItem(HANDLE_KEY);
}
