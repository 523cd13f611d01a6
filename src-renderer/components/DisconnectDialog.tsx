import { useState } from 'react';
import { ConfirmDialog } from './ConfirmDialog';

/** Confirmation that says exactly what disconnecting does, at Garmin and here. Esc cancels. */
export function DisconnectDialog({ garminUserId, onCancel, onConfirm }: { garminUserId: string; onCancel: () => void; onConfirm: (keepData: boolean) => void }) {
  const [deleteData, setDeleteData] = useState(false); // deleting is a choice the runner makes, never the default
  return (
    <ConfirmDialog
      title="Disconnect Garmin?"
      cancelLabel="Keep connected"
      confirmLabel="Disconnect"
      onCancel={onCancel}
      onConfirm={() => onConfirm(!deleteData)}
      controls={
        <>
          <label className="check">
            <input type="checkbox" checked={deleteData} onChange={(e) => setDeleteData(e.target.checked)} aria-describedby="delete-data-help" />
            Also delete my synced training data from this computer
          </label>
          <p id="delete-data-help" className="small muted check-help">
            {deleteData
              ? 'Your activities, daily summaries, sleep and HRV are erased from this computer; your agents can no longer read them. Garmin keeps its own copy.'
              : 'Left unticked, your synced activities, daily summaries, sleep and HRV stay on this computer, so your agents can still read them offline.'}
          </p>
        </>
      }
    >
      <p>{garminUserId ? <>For Garmin account ID {garminUserId}:</> : 'What happens:'}</p>
      <ul>
        <li>
          At Garmin: R42 Companion’s registration is deleted, so it can no longer read your data. If R42 Companion is linked on another of your computers too, Garmin
          keeps it for that one, and only this computer is disconnected.
        </li>
        <li>On this computer: the tokens are deleted from your keychain and your agents stop getting a token.</li>
      </ul>
      <p>You can connect again at any time.</p>
    </ConfirmDialog>
  );
}
