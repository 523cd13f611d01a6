import { useState, type DragEvent } from 'react';
import { useImport } from '../stores';

/** Files from the watch: drop FIT files, or Import from watch (a Garmin connected as a drive). */
export function ImportCard() {
  const { busy, result, note, error, importFiles, importFromWatch } = useImport();
  const [over, setOver] = useState(false);
  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setOver(false);
    const files = Array.from(event.dataTransfer.files);
    if (files.length) void importFiles(files);
  };
  return (
    <section className="card" aria-labelledby="import-title">
      <header className="card-header">
        <h2 id="import-title">Files from your watch</h2>
      </header>
      <div
        className={`drop-zone${over ? ' drop-zone-over' : ''}`}
        data-testid="import-drop"
        aria-label="Drop FIT files here to import them"
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        Drop FIT files here (from the watch's GARMIN/Activity folder). Garmin Connect's export archive: <code>r42-companion import &lt;the zip&gt;</code>.
      </div>
      <p>
        <button type="button" onClick={() => void importFromWatch()} disabled={busy}>
          {busy ? 'Importing…' : 'Import from watch'}
        </button>
      </p>
      {result && (
        <p role="status" data-testid="import-result">
          {result}
        </p>
      )}
      {note && (
        <p role="status" className="note" data-testid="import-note">
          {note}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error.message}
        </p>
      )}
    </section>
  );
}
