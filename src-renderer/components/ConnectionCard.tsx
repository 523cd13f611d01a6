import { useState } from 'react';
import { useConnection } from '../stores';
import { describeFailure, selectCardState } from '../stores/connection-store';
import { formatWhen, permissionLabel } from '../format';
import { DisconnectDialog } from './DisconnectDialog';
import { SignInAddress } from './SignInAddress';
import { problemTitle } from '../messages';

/** Which way the app reaches Garmin's token endpoint, in a runner's words. */
export function linkLabel(via: 'own_developer_app' | 'r42_server' | 'token_broker' | 'not_configured'): string {
  switch (via) {
    case 'own_developer_app':
      return 'Your own Garmin developer app';
    case 'r42_server':
      return 'R42 server';
    case 'token_broker':
      return 'A token broker you configured';
    case 'not_configured':
      return 'Not configured';
  }
}

export function ConnectionCard() {
  const { view, busy, error, disconnectNotice, connect, cancel, disconnect, dismissError } = useConnection();
  const [confirming, setConfirming] = useState(false);
  const state = selectCardState(view, busy);
  const connection = view?.connection;

  return (
    <section className="card" aria-labelledby="connection-title">
      <header className="card-header">
        <h2 id="connection-title">Garmin</h2>
        <StatusPill state={state} />
      </header>

      <div aria-live="polite" className="card-body">
        {state === 'loading' && <p className="muted">Loading…</p>}

        {state === 'not_configured' && (
          <p>
            Garmin is not configured yet. Set <code>GARMIN_CLIENT_ID</code> (see the README), then restart R42 Companion.
          </p>
        )}

        {state === 'disconnected' && (
          <>
            <p>Link your Garmin account so your coach can see your training. You approve on Garmin’s own page in your browser: R42 never sees your Garmin password.</p>
            <button type="button" className="primary" onClick={() => void connect()}>
              Connect Garmin
            </button>
          </>
        )}

        {state === 'waiting' && (
          <>
            <p className="waiting">
              <span className="spinner" aria-hidden="true" /> Waiting for you to approve in your browser…
            </p>
            <p className="muted">
              {view?.signIn.kind === 'waitingForBrowser' && !view.signIn.browserOpened
                ? 'Your browser could not be opened automatically.'
                : 'A Garmin page opened in your browser. Sign in there and choose Agree.'}
            </p>
            {view?.signIn.kind === 'waitingForBrowser' && <SignInAddress url={view.signIn.authorizeUrl} browserOpened={view.signIn.browserOpened} />}
            <button type="button" onClick={() => void cancel()}>
              Cancel
            </button>
          </>
        )}

        {state === 'exchanging' && (
          <p className="waiting">
            <span className="spinner" aria-hidden="true" /> Garmin approved. Finishing the link…
          </p>
        )}

        {state === 'reauth' && (
          <div className="banner warning" role="alert">
            <strong>Reconnect needed.</strong>{' '}
            {connection?.lastError?.code === 'deregistered'
              ? 'You removed R42 in Garmin Connect, so Garmin no longer shares your data with it.'
              : 'Garmin no longer accepts the link to your account (access was revoked or expired).'}{' '}
            Your agents cannot get a token until you reconnect.
            <div className="actions">
              <button type="button" className="primary" onClick={() => void connect()}>
                Reconnect Garmin
              </button>
            </div>
          </div>
        )}

        {state === 'connected' && connection && (
          <>
            {connection.refreshTokenExpiresSoon && (
              <div className="banner warning" role="status">
                Garmin’s authorization ends {formatWhen(connection.refreshTokenExpiresAt)}. Reconnect before then to keep your agents working.
              </div>
            )}
            <dl className="facts">
              <dt>Garmin account ID</dt>
              <dd>
                <code className="account-id">
                  {connection.garminUserId}
                </code>
                <span className="muted small hint">
                  Garmin’s number for your account, not your email or password
                </span>
              </dd>
              <dt>Connected since</dt>
              <dd>{formatWhen(connection.connectedAt)}</dd>
              <dt>Shared with R42</dt>
              <dd>
                {connection.permissions.length ? (
                  <ul className="chips" aria-label="Permissions granted">
                    {connection.permissions.map((p) => (
                      <li key={p} className="chip">
                        {permissionLabel(p)}
                      </li>
                    ))}
                  </ul>
                ) : (
                  'Nothing (change it in Garmin Connect)'
                )}
              </dd>
              <dt>Linked through</dt>
              <dd>{linkLabel(connection.link.via)}</dd>
              <dt>Token valid until</dt>
              <dd>{formatWhen(connection.accessTokenExpiresAt)}</dd>
              <dt>Last refresh</dt>
              <dd>{connection.lastRefreshAt ? formatWhen(connection.lastRefreshAt) : 'Not yet needed'}</dd>
              {connection.lastError && (
                <>
                  <dt>Last problem</dt>
                  <dd className="problem">
                    {problemTitle(connection.lastError.code)} {formatWhen(connection.lastError.at)}
                  </dd>
                </>
              )}
            </dl>
            <div className="actions">
              <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={busy === 'disconnecting'}>
                {busy === 'disconnecting' ? 'Disconnecting…' : 'Disconnect'}
              </button>
            </div>
          </>
        )}

        {error && state !== 'waiting' && state !== 'exchanging' && <FailureBanner code={error.code} message={error.message} onRetry={() => void connect()} onDismiss={dismissError} />}
        {disconnectNotice && state === 'disconnected' && (
          <p className="notice" role="status">
            {disconnectNotice}
          </p>
        )}
      </div>

      {confirming && (
        <DisconnectDialog
          garminUserId={connection?.garminUserId ?? ''}
          onCancel={() => setConfirming(false)}
          onConfirm={(keepData) => {
            setConfirming(false);
            void disconnect(keepData);
          }}
        />
      )}
    </section>
  );
}

function StatusPill({ state }: { state: ReturnType<typeof selectCardState> }) {
  const [label, tone] =
    state === 'connected'
      ? ['Connected', 'ok']
      : state === 'reauth'
        ? ['Reconnect needed', 'warn']
        : state === 'waiting' || state === 'exchanging'
          ? ['Connecting', 'busy']
          : state === 'loading'
            ? ['…', 'idle']
            : ['Not connected', 'idle'];
  return (
    <span className={`pill ${tone}`} data-testid="connection-state">
      {label}
    </span>
  );
}

function FailureBanner({ code, message, onRetry, onDismiss }: { code: string; message: string; onRetry: () => void; onDismiss: () => void }) {
  const { title, action } = describeFailure({ code, message });
  return (
    <div className="banner error" role="alert" data-error-code={code}>
      <strong>{title}</strong> {action}
      <div className="actions">
        <button type="button" className="primary" onClick={onRetry}>
          Try again
        </button>
        <button type="button" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
