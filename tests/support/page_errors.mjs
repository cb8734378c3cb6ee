// Script body (WebDriver "execute script") that records a page's uncaught errors, unhandled
// rejections and console.error calls in window.__pageErrors, for drivers that cannot
// subscribe to them (WebDriver classic). Idempotent.
export const kErrorCollector = `
  if (!window.__pageErrors) {
    const errors = window.__pageErrors = [];
    window.addEventListener('error', (e) => errors.push('error: ' + (e.error ?? e.message)));
    window.addEventListener('unhandledrejection', (e) => errors.push('unhandled rejection: ' + e.reason));
    const consoleError = console.error.bind(console);
    console.error = (...args) => { errors.push('console.error: ' + args.join(' ')); consoleError(...args); };
  }
  return true;`;
