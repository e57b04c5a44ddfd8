import { NavLink, Outlet } from 'react-router';
import { useUnreadCount } from '../features/inbox/InboxPage';
import { WorkspaceSwitcher } from '../features/workspaces/WorkspaceSwitcher';
import { can } from '../state/permissions';
import { useStore } from '../state/store';

/** Sidebar (workspace switcher, navigation, profile) around every signed-in page. */
export function AppShell() {
  const { state, currentWorkspace } = useStore();
  const user = state.user;
  const unread = useUnreadCount();
  return (
    <div className="shell">
      <aside className="sidebar" aria-label="Navigation">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Shotline
        </div>
        <WorkspaceSwitcher />
        {currentWorkspace && (
          <nav className="nav">
            <NavLink end to={`/w/${currentWorkspace.id}`} className="nav-item" data-testid="nav-projects">
              Projects
            </NavLink>
            <NavLink to={`/w/${currentWorkspace.id}/members`} className="nav-item" data-testid="nav-members">
              Members
            </NavLink>
            {can(currentWorkspace, 'audit:read') && (
              <NavLink to={`/w/${currentWorkspace.id}/audit`} className="nav-item" data-testid="nav-audit">
                Audit log
              </NavLink>
            )}
          </nav>
        )}
        <nav className="nav">
          <NavLink to="/inbox" className="nav-item" data-testid="nav-inbox">
            Inbox
            {unread > 0 && (
              <span className="badge" data-testid="inbox-unread">
                {unread}
              </span>
            )}
          </NavLink>
        </nav>
        <div className="sidebar-spacer" />
        {user && (
          <NavLink to="/me" className="nav-item user-item" data-testid="nav-profile">
            <span className="avatar" aria-hidden="true">
              {(user.name || user.email).charAt(0).toUpperCase()}
            </span>
            <span className="user-text">
              <span className="user-name" data-testid="current-user-name">
                {user.name}
              </span>
              <span className="user-email">{user.email}</span>
            </span>
          </NavLink>
        )}
      </aside>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
