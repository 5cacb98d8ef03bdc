/**
 * The playground page's script (`acp serve --ui`): the page, on the project's own
 * client. tsup bundles it for browsers into `dist/ui/playground.js`.
 */
import { render } from "preact";
import { App } from "./app.js";
import { html } from "./html.js";
import { styles } from "./styles.js";

const style = document.createElement("style");
style.textContent = styles;
document.head.append(style);
const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(html`<${App} />`, root);
}
