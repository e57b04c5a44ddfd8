import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { initials } from '../features/board/shotFields';
import { useUnreadCount } from '../features/inbox/InboxPage';
import { WorkspaceSwitcher } from '../features/workspaces/WorkspaceSwitcher';
import { can, workspaceSettingsControls } from '../state/permissions';
import { useStore } from '../state/store';

/**
 * Sidebar (workspace switcher, navigation, profile) around every signed-in
 * page. On a phone it folds into a bar with a Menu button, so the page gets
 * the screen; it folds again after each navigation.
 */
export function AppShell() {
  const { state, currentWorkspace } = useStore();
  const user = state.user;
  const unread = useUnreadCount();
  const [open, setOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setOpen(false), [pathname]);
  return (
    <div className={`shell${open ? ' shell-menu-open' : ''}`}>
      <aside className="sidebar" aria-label="Navigation">
        <div className="sidebar-bar">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true" />
            Shotline
          </div>
          <button
            type="button"
            className="btn btn-small menu-toggle"
            data-testid="menu-toggle"
            aria-expanded={open}
            aria-controls="sidebar-menu"
            onClick={() => setOpen((o) => !o)}
          >
            {open ? 'Close menu' : 'Menu'}
            {!open && unread > 0 && <span className="badge">{unread}</span>}
          </button>
        </div>
        <div className="sidebar-menu" id="sidebar-menu">
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
              {workspaceSettingsControls(currentWorkspace).visible && (
                <NavLink to={`/w/${currentWorkspace.id}/settings`} className="nav-item" data-testid="nav-settings">
                  Settings
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
                {initials(user.name || user.email)}
              </span>
              <span className="user-text">
                <span className="user-name" data-testid="current-user-name">
                  {user.name}
                </span>
                <span className="user-email">{user.email}</span>
              </span>
            </NavLink>
          )}
        </div>
      </aside>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
