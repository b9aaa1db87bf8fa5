import { useEffect, useRef } from 'react';
import { ActingAsForm } from './components/acting-as-form';
import { useActingAs, useHashRoute } from './hooks';
import { DeadlinesPage } from './pages/deadlines.page';
import { EscalationsPage } from './pages/escalations.page';
import { InboxPage } from './pages/inbox.page';
import { ReviewListPage } from './pages/review-list.page';
import { ReviewPage } from './pages/review.page';

const NAV = [
  ['#/', 'Reviews', ''],
  ['#/inbox', 'Agency inbox', 'inbox'],
  ['#/escalations', 'Escalations', 'escalations'],
  ['#/deadlines', 'Deadlines', 'deadlines'],
] as const;

export function App() {
  const route = useHashRoute();
  const [actor, setActor] = useActingAs();
  const main = useRef<HTMLElement>(null);
  const section = route[0] ?? '';

  // After navigation, move focus to the page so keyboard and screen-reader users start there.
  const key = route.join('/');
  const shown = useRef(key);
  useEffect(() => {
    if (shown.current === key) return;
    shown.current = key;
    main.current?.focus();
  }, [key]);

  let page;
  if (section === 'reviews' && route[1]) page = <ReviewPage id={route[1]} actor={actor} />;
  else if (section === 'inbox')
    page = <InboxPage agency={route[1] ?? actor.agency} actor={actor} />;
  else if (section === 'escalations') page = <EscalationsPage actor={actor} />;
  else if (section === 'deadlines') page = <DeadlinesPage />;
  else page = <ReviewListPage />;

  return (
    <>
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          Interagency Review Engine <span className="muted">coordinator</span>
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label, name]) => (
              <li key={href}>
                <a
                  href={href}
                  aria-current={
                    section === name || (name === '' && section === 'reviews') ? 'page' : undefined
                  }
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <ActingAsForm actor={actor} onChange={setActor} />
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page}
      </main>
      <footer className="muted">
        Advisory and voluntary: nothing here approves or denies a release. Lists refresh every 2 s.
      </footer>
    </>
  );
}
