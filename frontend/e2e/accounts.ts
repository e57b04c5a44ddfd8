import { expect, type Page } from '@playwright/test';

/** The password every e2e account signs up with. */
export const password = 'correct horse battery staple';

/** Signs up through the form and waits until the app shows the new user. */
export async function signUp(page: Page, name: string, email: string) {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('current-user-name')).toHaveText(name);
}

/** Invites email to the workspace with role, from its members page; they have no account yet. */
export async function invite(page: Page, email: string, role: string) {
  await page.getByTestId('nav-members').click();
  await page.getByLabel('Invite by email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption(role);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await expect(page.getByTestId('member-notice')).toContainText('has no account yet');
}
