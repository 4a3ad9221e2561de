// Who is signed in, and what they may do.
import { api, tokenStore } from "./api.js";

export const session = {
  user: null,
  async load() {
    if (!tokenStore.get()) {
      this.user = null;
      return null;
    }
    try {
      this.user = await api("GET", "/api/auth/me");
    } catch {
      this.user = null;
      tokenStore.clear();
    }
    return this.user;
  },
  async login(email, password) {
    const token = await api("POST", "/api/auth/login", { body: { email, password } });
    tokenStore.set(token.access_token, token.expires_in);
    return this.load();
  },
  async logout() {
    try {
      await api("POST", "/api/auth/logout");
    } catch {
      // the token is dropped either way
    }
    tokenStore.clear();
    this.user = null;
  },
  get canEdit() {
    return Boolean(this.user && (this.user.role === "admin" || this.user.role === "editor"));
  },
  get isAdmin() {
    return Boolean(this.user && this.user.role === "admin");
  },
};
