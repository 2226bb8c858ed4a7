import { api } from '../api.js';
import { h } from '../dom.js';

export function renderLogin(main, onSuccess) {
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error', hidden: true });
  const user = h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true, maxlength: 64 });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password',
    required: true, maxlength: 200 });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { class: 'login panel', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Bitville APM'),
    h('p', { class: 'muted' }, 'Log in to see slow requests, their functions, SQL and database activity.'),
    h('label', { for: 'login-user' }, 'User'), user,
    h('label', { for: 'login-password' }, 'Password'), password,
    error, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    try {
      const me = await api.post('/api/login', { user: user.value, password: password.value });
      password.value = '';
      await onSuccess(me);
    } catch (e) {
      error.textContent = e.status === 429 ? 'Too many attempts. Wait a minute and try again.'
        : e.status === 401 ? 'Wrong user name or password.' : 'Login failed: ' + e.message;
      error.hidden = false;
      password.focus();
    } finally {
      button.disabled = false;
    }
  });
  main.append(form);
  user.focus();
}
