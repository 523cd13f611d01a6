import { useEffect, useState, type FormEvent } from 'react';
import { useAgents, useConnection } from '../stores';
import { selectNamedGrants, selectSessionGrants } from '../stores/agents-store';
import { formatWhen } from '../format';

export function AgentsPanel() {
  const { grants, newSecret, error, load, add, revoke, forgetSecret } = useAgents();
  const endpoint = useConnection((s) => s.view?.agentEndpoint.url ?? null);
  const [name, setName] = useState('');
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 5_000);
    return () => clearInterval(timer);
  }, [load]);
  const named = selectNamedGrants(grants);
  const sessions = selectSessionGrants(grants);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    void add(name).then(() => setName(''));
  };

  return (
    <section className="card" aria-labelledby="agents-title">
      <header className="card-header">
        <h2 id="agents-title">Agents</h2>
        <span className="muted small">{endpoint ? `Endpoint ${endpoint}` : 'Endpoint not running'}</span>
      </header>
      <p className="muted">Local programs you allow (an AI coach, an MCP server) get a valid Garmin token from R42 Companion. They never see your password or refresh token.</p>

      {named.length === 0 ? (
        <p className="empty">No agents allowed yet.</p>
      ) : (
        <table className="grants">
          <caption className="sr-only">Allowed agents</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Last used</th>
              <th scope="col">Uses</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {named.map((g) => (
              <tr key={g.name}>
                <td>{g.name}</td>
                <td>{g.lastUsedAt ? formatWhen(g.lastUsedAt) : 'Never'}</td>
                <td>{g.useCount}</td>
                <td>
                  <button type="button" className="danger small" aria-label={`Revoke ${g.name}`} onClick={() => void revoke(g.name)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sessions.length > 0 && (
        <p className="muted small">
          Plus {sessions.length} session grant{sessions.length === 1 ? '' : 's'} (the endpoint owner and <code>run --</code> commands), which end with their process.
        </p>
      )}

      <form className="add-agent" onSubmit={submit}>
        <label htmlFor="agent-name">Allow a new agent</label>
        <div className="row">
          <input id="agent-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="for example coach-gpt" autoComplete="off" pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" />
          <button type="submit" className="primary" disabled={!name.trim()}>
            Allow
          </button>
        </div>
      </form>
      {error && (
        <p className="banner error" role="alert">
          {error.message}
        </p>
      )}
      {newSecret && (
        <div className="banner secret" role="status">
          <p>
            Secret for <strong>{newSecret.name}</strong>, shown only now. Give it to the agent as <code>R42_AGENT_TOKEN</code> with <code>R42_AGENT_URL={endpoint ?? '…'}</code>:
          </p>
          <code className="secret-value" aria-label="Agent secret">
            {newSecret.secret}
          </code>
          <div className="actions">
            <button type="button" onClick={forgetSecret}>
              Done, hide it
            </button>
          </div>
        </div>
      )}
      <details className="howto">
        <summary>How to connect an agent</summary>
        <ol>
          <li>
            Easiest: start it through R42 Companion: <code>r42-companion run -- my-agent</code>. It gets <code>R42_AGENT_URL</code> and <code>R42_AGENT_TOKEN</code> for as long as it runs.
          </li>
          <li>
            Or allow it above and give it the secret. It asks <code>GET {endpoint ?? 'http://127.0.0.1:PORT'}/v1/token</code> with <code>Authorization: Bearer &lt;secret&gt;</code>.
          </li>
          <li>Python and Node examples are in the README (“For agent authors”).</li>
        </ol>
      </details>
    </section>
  );
}
