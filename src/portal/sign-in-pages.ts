/**
 * The portal's ways in: a username and password (a portal user), the browser's client certificate, or a
 * participant's DIP id and API key; and the page a one-time link opens, where its user sets a password.
 * Every form carries the double-submit token of the sign-in cookie. Pure.
 */
import { html, type Html } from './html.js';

export interface SignInView {
  token: string;
  next: string;
  error: string | null;
  /** What the refused form asked, shown again (never the secret). */
  username: string;
  participant: string;
  /** The participant whose registered client certificate the browser presented, when it did. */
  certificate: { dipId: string; name: string } | null;
}

const hidden = (token: string, next: string): Html =>
  html`<input type="hidden" name="token" value="${token}" /><input type="hidden" name="next" value="${next}" />`;

export function signInPage(o: SignInView): Html {
  return html`${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${
      o.certificate
        ? html`<section aria-labelledby="with-certificate">
            <h2 id="with-certificate">With your certificate</h2>
            <p>Your browser presented the client certificate of ${o.certificate.name} (${o.certificate.dipId}).</p>
            <form method="post" action="/portal/sign-in/certificate">
              ${hidden(o.token, o.next)}<button type="submit">Sign in with your certificate</button>
            </form>
          </section>`
        : ''
    }
    <section aria-labelledby="with-password">
      <h2 id="with-password">As a portal user</h2>
      <form method="post" action="/portal/sign-in">
        ${hidden(o.token, o.next)}
        <p>
          <label>Username <input name="username" autocomplete="username" required value="${o.username}" /></label>
        </p>
        <p>
          <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        </p>
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">
        Your operator issues your username with a one-time link; the demo market's users are in
        <code>participants.json</code>.
      </p>
    </section>
    <section aria-labelledby="with-key">
      <h2 id="with-key">With a participant’s key</h2>
      <form method="post" action="/portal/sign-in">
        ${hidden(o.token, o.next)}
        <p>
          <label>DIP id <input name="participant" required value="${o.participant}" /></label>
        </p>
        <p>
          <label>API key <input name="apiKey" type="password" autocomplete="off" required /></label>
        </p>
        <button type="submit">Sign in with the API key</button>
      </form>
    </section>`;
}

export function welcomePage(o: {
  token: string;
  link: string;
  username: string;
  participant: string;
  error: string | null;
}): Html {
  return html`${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    <p>You are <strong>${o.username}</strong>, signing in to the portal for ${o.participant}. Choose a password.</p>
    <form method="post" action="/portal/welcome">
      <input type="hidden" name="token" value="${o.token}" /><input type="hidden" name="link" value="${o.link}" />
      <input type="hidden" name="username" value="${o.username}" autocomplete="username" />
      <p>
        <label
          >New password (at least 12 characters)
          <input name="password" type="password" autocomplete="new-password" required minlength="12"
        /></label>
      </p>
      <p>
        <label>The same again <input name="confirmation" type="password" autocomplete="new-password" required /></label>
      </p>
      <button type="submit">Set password and sign in</button>
    </form>`;
}

export function linkGonePage(): Html {
  return html`<p>
      This sign-in link has expired, has been used already, or was never issued. Ask your operator for a new one.
    </p>
    <p><a href="/portal/sign-in">Sign in</a></p>`;
}
