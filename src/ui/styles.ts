/** The page's styles: plain, readable on a laptop screen, with visible keyboard focus. */
export const styles = `
:root { color-scheme: light dark; --accent: #2458b3; --error: #b3261e; --muted: #666; --line: #ccc8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; }
header { display: flex; align-items: center; justify-content: space-between; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1.1rem; } h3 { font-size: 1rem; }
.layout { display: grid; grid-template-columns: minmax(12rem, 16rem) 1fr; gap: 1rem; padding: 1rem; }
nav ul { list-style: none; padding: 0; margin: 0; }
nav li button { width: 100%; text-align: left; margin-bottom: .25rem; }
button { font: inherit; padding: .3rem .7rem; border: 1px solid var(--line); border-radius: 4px; background: transparent; cursor: pointer; }
button.primary, button[aria-pressed="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
button:disabled { opacity: .5; cursor: default; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
input[type="text"], input[type="password"], select, textarea { font: inherit; padding: .3rem; border: 1px solid var(--line); border-radius: 4px; width: 100%; }
textarea { font-family: ui-monospace, monospace; font-size: 13px; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; }
.schema-form { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.field { display: flex; flex-direction: column; gap: .15rem; margin-bottom: .5rem; }
.kind label { margin-right: 1rem; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
.actions label { flex: none; } .actions select { width: auto; max-width: 24rem; }
.error { color: var(--error); font-weight: 600; }
.muted, small { color: var(--muted); }
pre { background: #8881; padding: .5rem; border-radius: 4px; overflow: auto; max-height: 20rem; font-size: 13px; margin: .25rem 0; white-space: pre-wrap; word-break: break-word; }
.events { padding-left: 1.5rem; }
.event .tag { font-weight: 600; }
.event.error .tag { color: var(--error); }
section.interrupt { border: 2px solid var(--accent); border-radius: 6px; padding: .5rem 1rem; margin: .5rem 0; }
.key { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
.key input { width: 20rem; }
.snippet-head { display: flex; justify-content: space-between; align-items: center; margin-top: .5rem; }
@media (max-width: 900px) { .layout, .schema-form { grid-template-columns: 1fr; } }
`;
