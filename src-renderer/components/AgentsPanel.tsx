import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useAgents, useConnection } from '../stores';
import { agentNameProblem, selectNamedGrants, selectRunGrants } from '../stores/agents-store';
import { formatWhen } from '../format';
import { errorText } from '../messages';
import { ConfirmDialog } from './ConfirmDialog';

/** Puts text on the clipboard: the Clipboard API, else the selection copied the older way. */
async function copyText(text: string, fallback: HTMLElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!fallback) return false;
    const selection = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents(fallback);
    selection?.removeAllRanges();
    selection?.addRange(range);
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

export function AgentsPanel() {
  const { grants, newSecret, error, load, add, revoke, forgetSecret } = useAgents();
  const endpoint = useConnection((s) => s.view?.agentEndpoint.url ?? null);
  const [name, setName] = useState('');
  const [nameProblem, setNameProblem] = useState<string | null>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const secretRef = useRef<HTMLElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 5_000);
    return () => clearInterval(timer);
  }, [load]);
  useEffect(() => setCopied(null), [newSecret]);
  const named = selectNamedGrants(grants);
  const running = selectRunGrants(grants);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = agentNameProblem(name);
    setNameProblem(problem);
    if (problem) {
      inputRef.current?.focus();
      return;
    }
    void add(name).then(() => {
      if (!useAgents.getState().error) setName('');
    });
  };
  const cancelRevoke = useCallback(() => {
    const name = revoking;
    setRevoking(null);
    // Back to the button that opened the question.
    if (name) requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`button[data-revoke="${CSS.escape(name)}"]`)?.focus());
  }, [revoking]);

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
                  <button type="button" className="danger small" aria-label={`Revoke ${g.name}`} data-revoke={g.name} onClick={() => setRevoking(g.name)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {running.length > 0 && (
        <p className="muted small" data-testid="running-agents">
          Also {running.length === 1 ? 'one program' : `${running.length} programs`} started through R42 Companion, allowed only while {running.length === 1 ? 'it runs' : 'they run'}.
        </p>
      )}

      <form className="add-agent" onSubmit={submit} noValidate>
        <label htmlFor="agent-name">Allow a new agent</label>
        <div className="row">
          <input
            id="agent-name"
            ref={inputRef}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              if (nameProblem) setNameProblem(agentNameProblem(e.target.value));
            }}
            placeholder="for example coach-gpt"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={nameProblem ? true : undefined}
            aria-describedby="agent-name-help"
          />
          <button type="submit" className="primary" disabled={!name.trim()}>
            Allow
          </button>
        </div>
        <p id="agent-name-help" className={nameProblem ? 'field-error small' : 'muted small'} role={nameProblem ? 'alert' : undefined}>
          {nameProblem ?? 'Letters, digits, dots, dashes and underscores; up to 64.'}
        </p>
      </form>
      {error && (
        <p className="banner error" role="alert">
          {errorText(error)}
        </p>
      )}
      {newSecret && (
        <div className="banner secret" role="status">
          <p>
            Secret for <strong>{newSecret.name}</strong>, shown only now. Give it to the agent as <code>R42_AGENT_TOKEN</code> with <code>R42_AGENT_URL={endpoint ?? '…'}</code>:
          </p>
          <code className="secret-value" aria-label="Agent secret" ref={secretRef}>
            {newSecret.secret}
          </code>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void copyText(newSecret.secret, secretRef.current).then((ok) => setCopied(ok ? 'yes' : 'no'))}>
              Copy secret
            </button>
            <button type="button" onClick={forgetSecret}>
              Done, hide it
            </button>
            <span className="small copy-result" aria-live="polite">
              {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'Could not copy: select the secret and copy it yourself.' : ''}
            </span>
          </div>
        </div>
      )}
      <details className="howto">
        <summary>How to connect an agent</summary>
        <ol>
          <li>
            An AI coach that speaks MCP (Claude Desktop, Claude Code, Cursor): run <code className="command">r42-companion mcp config</code> in a terminal (add{' '}
            <code className="command">--client claude-code</code> or <code className="command">--client cursor</code>) and put what it prints where it says. The coach then starts R42
            Companion’s MCP server itself and reads your training data from this computer; it never gets a Garmin token.
          </li>
          <li>
            A program of your own: start it through R42 Companion, <code className="command">r42-companion run -- my-agent</code>. It gets <code>R42_AGENT_URL</code> and{' '}
            <code>R42_AGENT_TOKEN</code> for as long as it runs (MCP over HTTP: <code>POST $R42_AGENT_URL/mcp</code>).
          </li>
          <li>
            Or allow it above and give it the secret. It asks <code>GET {endpoint ?? 'http://127.0.0.1:PORT'}/v1/token</code> with <code>Authorization: Bearer &lt;secret&gt;</code>.
          </li>
          <li>Python and Node examples are in the README (“For agent authors”).</li>
        </ol>
      </details>

      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking}?`}
          confirmLabel="Revoke"
          cancelLabel="Keep it"
          onCancel={cancelRevoke}
          onConfirm={() => {
            const name = revoking;
            setRevoking(null);
            void revoke(name).then(() => inputRef.current?.focus());
          }}
        >
          <p>
            {revoking} stops getting a Garmin token at once, also if it is running now. Its secret cannot be used again; to allow it later, add it again and give it the new secret.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
