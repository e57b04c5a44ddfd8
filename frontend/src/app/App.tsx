import type { ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation, useSearchParams } from 'react-router';
import { SignInPage, SignUpPage, safeNext } from '../features/auth/AuthPages';
import { BoardPage } from '../features/board/BoardPage';
import { MembersPage } from '../features/members/MembersPage';
import { ProfilePage } from '../features/profile/ProfilePage';
import { ProjectPage } from '../features/projects/ProjectPage';
import { HomePage } from '../features/workspaces/HomePage';
import { ProjectsPage } from '../features/workspaces/ProjectsPage';
import { ProjectReviewPage, ReviewPage } from '../features/share/ReviewPage';
import { SharePage } from '../features/share/SharePage';
import { AuditPage } from '../features/admin/AuditPage';
import { SettingsPage } from '../features/admin/SettingsPage';
import { InboxPage } from '../features/inbox/InboxPage';
import { Loading } from '../components/States';
import { useStore } from '../state/store';
import { AppShell } from './AppShell';
import { NotFound } from './NotFound';

/** Signed-in pages: anyone else goes to sign in and comes back afterwards. */
function RequireAuth({ children }: { children: ReactNode }) {
  const { state } = useStore();
  const location = useLocation();
  if (state.auth === 'loading') return <FullScreenLoading />;
  if (state.auth === 'signedOut') {
    if (state.signedOutByUser) return <Navigate to="/signin" replace />;
    const next = location.pathname + location.search;
    const query = next === '/' ? '' : `?next=${encodeURIComponent(next)}`;
    return <Navigate to={`/signin${query}`} replace />;
  }
  return <>{children}</>;
}

/** Sign-in and sign-up: a signed-in user goes straight on. */
function GuestOnly({ children }: { children: ReactNode }) {
  const { state } = useStore();
  const [params] = useSearchParams();
  if (state.auth === 'loading') return <FullScreenLoading />;
  if (state.auth === 'signedIn') return <Navigate to={safeNext(params.get('next'))} replace />;
  return <>{children}</>;
}

/** Waits until the session check is done (signed in or not, both are fine). */
function AuthSettled({ children }: { children: ReactNode }) {
  const { state } = useStore();
  if (state.auth === 'loading') return <FullScreenLoading />;
  return <>{children}</>;
}

function FullScreenLoading() {
  return (
    <div className="fullscreen-center">
      <Loading />
    </div>
  );
}

/** The route table. */
export function App() {
  return (
    <Routes>
      <Route
        path="/signin"
        element={
          <GuestOnly>
            <SignInPage />
          </GuestOnly>
        }
      />
      <Route
        path="/signup"
        element={
          <GuestOnly>
            <SignUpPage />
          </GuestOnly>
        }
      />
      {/* Share links: for people without an account too. */}
      <Route path="/s/:token" element={<AuthSettled><SharePage /></AuthSettled>} />
      <Route path="/review/:boardId" element={<ReviewPage />} />
      <Route path="/review/p/:projectId" element={<ProjectReviewPage />} />
      <Route
        element={
          <RequireAuth>
            <AppShell />
          </RequireAuth>
        }
      >
        <Route index element={<HomePage />} />
        <Route path="/w/:workspaceId" element={<ProjectsPage />} />
        <Route path="/w/:workspaceId/members" element={<MembersPage />} />
        <Route path="/p/:projectId" element={<ProjectPage />} />
        <Route path="/b/:boardId" element={<BoardPage />} />
        <Route path="/me" element={<ProfilePage />} />
        <Route path="/inbox" element={<InboxPage />} />
        <Route path="/w/:workspaceId/audit" element={<AuditPage />} />
        <Route path="/w/:workspaceId/settings" element={<SettingsPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
