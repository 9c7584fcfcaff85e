/** Admin-only sections: vault migration banner, organization Google credentials, module settings. */
import { ApiError, api } from './api.ts';
import { h } from './dom.ts';

type Notify = (message: string, kind?: 'error') => void;

export function migrationBanner(
  status: { pending: number; failed: number },
  refresh: () => Promise<void>,
  notify: Notify,
): HTMLElement | null {
  if (status.pending === 0) return null;
  const total = status.pending;
  const progress = h('progress', { max: total, value: 0, 'aria-label': 'Vault migration progress' });
  const label = h('span', { class: 'progress-label' }, `0 / ${total} migrated`);
  const failures = h('ul', { class: 'failures' });
  const button = h('button', { type: 'button', class: 'primary' }, 'Run vault migration');
  let running = false;
  button.addEventListener('click', async () => {
    if (running) return; // no double start from this page
    running = true;
    button.disabled = true;
    let migrated = 0;
    try {
      for (;;) {
        const batch = await api<{
          migrated: number;
          failed: number;
          pending: number;
          failures: Array<{ connection_id: string; reason: string }>;
        }>('POST', '/functions/v1/calendar-token-backfill');
        migrated += batch.migrated;
        progress.value = migrated;
        label.textContent = `${migrated} / ${total} migrated, ${batch.pending} pending`;
        for (const f of batch.failures) failures.append(h('li', {}, `${f.connection_id}: ${f.reason}`));
        if (batch.pending === 0 || batch.migrated === 0) break;
      }
      notify(
        failures.childElementCount ? 'Vault migration finished with failures' : 'Vault migration complete',
        failures.childElementCount ? 'error' : undefined,
      );
    } catch (error) {
      notify(error instanceof ApiError ? error.message : 'Vault migration failed', 'error');
    } finally {
      running = false;
      await refresh();
    }
  });
  return h(
    'section',
    { class: 'banner', 'aria-labelledby': 'vault-title' },
    h('h2', { id: 'vault-title' }, 'Vault migration available'),
    h(
      'p',
      {},
      `${status.pending} calendar connection(s) still hold tokens from before the credential vault.${status.failed ? ` ${status.failed} failed last time.` : ''}`,
    ),
    h('div', { class: 'actions' }, button, progress, label),
    failures,
  );
}

export function googleCredentials(
  status: { configured: boolean; oauth_client_id: string | null },
  refresh: () => Promise<void>,
  notify: Notify,
): HTMLElement {
  const form = h(
    'form',
    { class: 'stack', hidden: true, 'aria-label': 'Organization Google OAuth client' },
    h('label', { for: 'gws-client-id' }, 'OAuth client ID'),
    h('input', {
      id: 'gws-client-id',
      name: 'oauth_client_id',
      required: true,
      autocomplete: 'off',
      value: status.oauth_client_id ?? '',
    }),
    h('label', { for: 'gws-client-secret' }, 'OAuth client secret'),
    h('input', {
      id: 'gws-client-secret',
      name: 'oauth_client_secret',
      type: 'password',
      required: true,
      autocomplete: 'new-password',
      placeholder: status.configured ? 'Stored — enter a new secret to replace it' : '',
    }),
    h('p', { class: 'error', id: 'gws-error', role: 'alert' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save credentials')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      await api('PUT', '/v1/calendar/google-credentials', {
        oauth_client_id: String(data.get('oauth_client_id') ?? ''),
        oauth_client_secret: String(data.get('oauth_client_secret') ?? ''),
      });
      notify('Organization Google credentials saved');
      await refresh();
    } catch (error) {
      const target = form.querySelector('#gws-error');
      if (target) target.textContent = error instanceof ApiError ? error.message : 'Save failed';
    }
  });
  return h(
    'section',
    { class: 'banner', 'aria-labelledby': 'gws-title' },
    h('h2', { id: 'gws-title' }, 'Google credentials'),
    h(
      'p',
      {},
      status.configured
        ? `New Google connections use your organization's client ${status.oauth_client_id}.`
        : 'New Google connections use the Encore platform default client.',
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', onclick: () => (form.hidden = !form.hidden) },
        'Configure organization credentials',
      ),
      status.configured
        ? h(
            'button',
            {
              type: 'button',
              class: 'danger',
              onclick: () =>
                void api('DELETE', '/v1/calendar/google-credentials')
                  .then(() => notify('Organization credentials removed'))
                  .catch((e: unknown) => notify(e instanceof ApiError ? e.message : 'Remove failed', 'error'))
                  .then(refresh),
            },
            'Remove organization credentials',
          )
        : null,
    ),
    form,
  );
}

const SETTINGS = [
  ['calendar_default_meeting_duration_minutes', 'Default meeting duration (minutes)', 15, 480],
  ['calendar_sync_poll_interval_minutes', 'Sync poll interval (minutes)', 5, 60],
  ['calendar_pre_meeting_notification_minutes', 'Pre-meeting notification (minutes)', 5, 1440],
] as const;

export function settingsForm(values: Record<string, number>, notify: Notify): HTMLElement {
  const form = h('form', { class: 'stack', novalidate: true, 'aria-labelledby': 'settings-title' });
  for (const [name, label, min, max] of SETTINGS) {
    form.append(
      h('label', { for: name }, `${label} — ${min} to ${max}`),
      h('input', {
        id: name,
        name,
        type: 'number',
        min,
        max,
        step: 1,
        required: true,
        value: values[name] ?? '',
        'aria-describedby': `${name}-error`,
      }),
      h('p', { class: 'error field-error', id: `${name}-error`, role: 'alert' }),
    );
  }
  form.append(
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save settings')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    const body: Record<string, number> = {};
    let valid = true;
    for (const [name, , min, max] of SETTINGS) {
      const input = form.querySelector<HTMLInputElement>(`#${name}`);
      const value = Number(input?.value);
      body[name] = value;
      if (!Number.isInteger(value) || value < min || value > max) {
        valid = false;
        const target = form.querySelector(`#${name}-error`);
        if (target) target.textContent = `Must be a whole number from ${min} to ${max}`;
      }
    }
    if (!valid) return;
    try {
      await api('PUT', '/v1/calendar/settings', body);
      notify('Settings saved');
    } catch (error) {
      if (error instanceof ApiError && error.fields.length) {
        for (const f of error.fields) {
          const target = form.querySelector(`#${f.field}-error`);
          if (target) target.textContent = f.message;
        }
      } else notify(error instanceof ApiError ? error.message : 'Save failed', 'error');
    }
  });
  return h('section', { class: 'panel' }, h('h2', { id: 'settings-title' }, 'Calendar settings'), form);
}
