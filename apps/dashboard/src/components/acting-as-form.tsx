import { useEffect, useState, type FormEvent } from 'react';
import type { Actor } from '../api';

/**
 * Who the page acts as, until the API has sign-in: the id and agency sent as `actor` with every
 * finding and acknowledgement. Saved in this browser only.
 */
export function ActingAsForm({ actor, onChange }: { actor: Actor; onChange(a: Actor): void }) {
  const [id, setId] = useState(actor.id);
  const [agency, setAgency] = useState(actor.agency ?? '');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setId(actor.id);
    setAgency(actor.agency ?? '');
  }, [actor]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange({ id: id.trim(), agency: agency.trim() || undefined });
    setSaved(true);
    setTimeout(() => setSaved(false), 1500);
  };

  return (
    <form className="acting-as" onSubmit={submit} aria-label="Who you act as">
      <label htmlFor="acting-as-id">Acting as</label>
      <input
        id="acting-as-id"
        value={id}
        onChange={(e) => setId(e.target.value)}
        placeholder="analyst@agency.gov"
        autoComplete="email"
      />
      <label htmlFor="acting-as-agency">Agency</label>
      <input
        id="acting-as-agency"
        value={agency}
        onChange={(e) => setAgency(e.target.value)}
        placeholder="caisi"
        size={10}
        pattern="[a-z][a-z0-9\-]{1,30}"
        title="An agency code such as caisi"
      />
      <button type="submit">Save</button>
      <span role="status" className="muted">
        {saved ? 'Saved' : ''}
      </span>
    </form>
  );
}
