// Progressive enhancement for Gitgate's pages. Every form works without this file; it only makes
// the token form friendlier (custom date, expiry text, parent scopes) and gives copy feedback.

const DAY = 86400000;

function formatDate(date) {
  const weekday = date.toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
  const month = date.toLocaleDateString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${weekday}, ${month} ${date.getUTCDate()} ${date.getUTCFullYear()}`;
}

function enhanceExpiration(field) {
  const select = field.querySelector('select');
  const custom = field.querySelector('[data-custom-date]');
  const dateInput = custom?.querySelector('input');
  const help = field.querySelector('[data-expiration-help]');
  const warning = field.querySelector('[data-never-warning]');
  const now = new Date(field.dataset.now || Date.now());
  const update = () => {
    const value = select.value;
    if (custom) custom.hidden = value !== 'custom';
    if (warning) warning.hidden = value !== 'never';
    if (!help) return;
    if (value === 'never') help.textContent = 'The token will never expire!';
    else if (value === 'custom') {
      help.textContent = dateInput?.value ? `The token will expire on ${formatDate(new Date(`${dateInput.value}T12:00:00Z`))}` : 'Choose the date the token will expire on.';
    } else help.textContent = `The token will expire on ${formatDate(new Date(now.getTime() + Number(value) * DAY))}`;
  };
  select.addEventListener('change', update);
  dateInput?.addEventListener('input', update);
  dateInput?.addEventListener('change', update);
  update();
}

// Checking a parent scope checks and disables its children (the server normalises anyway).
function enhanceScopes(box) {
  const boxes = [...box.querySelectorAll('input[type=checkbox][data-scope]')];
  const byName = new Map(boxes.map((b) => [b.dataset.scope, b]));
  const impliedByAncestor = (b) => {
    let parent = b.dataset.parent;
    while (parent) {
      const p = byName.get(parent);
      if (!p) return false;
      if (p.checked && !p.disabled) return true;
      parent = p.dataset.parent;
    }
    return false;
  };
  const sync = () => {
    for (const b of boxes) {
      const implied = impliedByAncestor(b);
      if (implied) {
        b.checked = true;
        b.disabled = true;
      } else if (b.disabled) {
        b.disabled = false;
        b.checked = false;
      }
    }
  };
  box.addEventListener('change', sync);
  sync();
}

document.addEventListener('clipboard-copy', (event) => {
  const button = event.target;
  const feedback = button.dataset?.copyFeedback;
  if (!feedback) return;
  const before = button.textContent;
  button.textContent = feedback;
  setTimeout(() => {
    button.textContent = before;
  }, 2000);
});

for (const field of document.querySelectorAll('[data-expiration-field]')) enhanceExpiration(field);
for (const box of document.querySelectorAll('[data-scopes]')) enhanceScopes(box);
