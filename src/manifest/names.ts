/** Names of generated declarations, derived from what the descriptor calls things. */

/** `purchase_approval` -> `PurchaseApproval`; a leading digit gets a `T` so the name is legal. */
export function pascalCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join("");
  if (name === "") return "Unnamed";
  return /^[0-9]/.test(name) ? `T${name}` : name;
}

/** Hands out names, adding a number when two things would get the same one. */
export function uniqueNamer(): (wanted: string) => string {
  const used = new Set<string>();
  return (wanted) => {
    let name = wanted;
    for (let n = 2; used.has(name); n += 1) name = `${wanted}${n}`;
    used.add(name);
    return name;
  };
}
