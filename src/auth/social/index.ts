/**
 * Social login (spec 40 §17): `fromPassport` and the routes the auth router mounts.
 * @module
 */
export { fromPassport, mapPassportProfile, type FromPassportOptions, type PassportOAuth2Strategy, type PassportProfile } from "./from-passport.js";
export { createSocialRoutes, type SocialRouteDeps } from "./routes.js";
export type { PassportOAuth2Client } from "./oauth2-fetch.js";
export type { SocialAccount, SocialOptions, SocialProfile, SocialProvider, SocialStateBag, SocialStateStore, SocialTokens } from "./types.js";
