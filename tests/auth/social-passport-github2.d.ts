/** passport-github2 ships no types; the tests need only its constructor (options as passport-oauth2's, plus the GitHub URLs). */
declare module "passport-github2" {
  import OAuth2Strategy from "passport-oauth2";
  export class Strategy extends OAuth2Strategy {
    constructor(
      options: Partial<OAuth2Strategy.StrategyOptions> & { clientID: string; clientSecret: string; name?: string; userProfileURL?: string; userEmailURL?: string; userAgent?: string; scope?: string | string[] },
      verify: (...args: any[]) => void,
    );
  }
}
