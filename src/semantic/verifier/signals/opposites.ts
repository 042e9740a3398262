/** @module Direction and opposite pairs (buy/sell, up/down, comprar/vender, ...) for the match verifier. */

import { alignment, fold, words } from "../text";
import type { Conflict } from "../types";

/**
 * One line per pair of opposites: the word forms of each side (folded), separated by `|`.
 * Forms shared by both meanings ("short" in "short story") are accepted noise: a conflict needs one
 * side in each text and the other side absent from both.
 */
const PAIRS_SOURCE = `
buy buys buying bought purchase purchasing|sell sells selling sold
long|short
up|down
bullish bull bulls|bearish bear bears
read reads reading|write writes writing wrote written
increase increases increasing increased rise rising raise raising|decrease decreases decreasing decreased reduce reducing fall falling drop dropping
before|after
max maximum maximize maximise maximizing highest|min minimum minimize minimise minimizing lowest
import imports importing imported|export exports exporting exported
encode encodes encoding encoded encoder|decode decodes decoding decoded decoder
encrypt encrypts encrypting encrypted encryption|decrypt decrypts decrypting decrypted decryption
compress compresses compressing compressed compression|decompress decompresses decompressing decompressed decompression
serialize serializes serializing serialization|deserialize deserializes deserializing deserialization
load loads loading loaded|save saves saving saved
upload uploads uploading uploaded|download downloads downloading downloaded
push pushes pushing pushed|pull pulls pulling pulled
open opens opening opened|close closes closing closed
enable enables enabling enabled|disable disables disabling disabled
install installs installing installed|uninstall uninstalls uninstalling uninstalled
add adds adding added|remove removes removing removed delete deletes deleting deleted
win wins winning won|lose loses losing lost
gain gains profit profits|loss losses
high higher|low lower
above|below
more|less fewer
positive|negative
true|false
input inputs|output outputs
advantages advantage pros|disadvantages disadvantage cons
legal|illegal
possible|impossible
love|hate
cheap cheaper cheapest|expensive
fast faster fastest|slow slower slowest
ascending asc|descending desc
north|south
east|west
men man male|women woman female
comprar compra compro comprei comprando comprado comprada|vender venda vendo vendi vendendo vendido vendida
alta altas|baixa baixas queda quedas
subiu subir sobe subindo|caiu cair cai caindo
entrada entradas|saida saidas
aumentar aumenta aumento aumentou|diminuir diminui reducao diminuiu reduzir
antes|depois
maximo maxima|minimo minima
ler leitura|escrever escrita
carregar carrega|salvar salva
importar importacao|exportar exportacao
ganho ganhos lucro lucros|perda perdas prejuizo
acima|abaixo
maior|menor
melhor|pior
mais|menos
abrir abre|fechar fecha
ligar|desligar
positivo positiva|negativo negativa
verdadeiro|falso
alto|baixo
`;

interface OppositePair {
  readonly a: ReadonlySet<string>;
  readonly b: ReadonlySet<string>;
}

const PAIRS: readonly OppositePair[] = PAIRS_SOURCE.trim()
  .split("\n")
  .map((line) => {
    const [left = "", right = ""] = line.split("|");
    const a = left.split(" ");
    const b = right.split(" ");
    return { a: new Set(a), b: new Set(b) };
  });

/** Minimum overlap of the rest of the sentence (without the pair's words) for an opposite to count. */
const MIN_ALIGNMENT = 0.34;

function firstIn(tokens: readonly string[], forms: ReadonlySet<string>): string | undefined {
  return tokens.find((t) => forms.has(t));
}

/**
 * Rejects when the texts take opposite sides of a pair: one says "buy" and not "sell", the other
 * "sell" and not "buy" (likewise long/short, up/down, read/write, comprar/vender, alta/baixa, ...).
 */
export function oppositeConflict(query: string, candidate: string): Conflict | null {
  const tokensA = words(fold(query));
  const tokensB = words(fold(candidate));
  for (const pair of PAIRS) {
    const aInA = firstIn(tokensA, pair.a);
    const bInA = firstIn(tokensA, pair.b);
    const aInB = firstIn(tokensB, pair.a);
    const bInB = firstIn(tokensB, pair.b);
    const found =
      aInA && !bInA && bInB && !aInB ? [aInA, bInB] : bInA && !aInA && aInB && !bInB ? [bInA, aInB] : null;
    if (!found) continue;
    const inPair = (w: string): boolean =>
      pair.a.has(w) ||
      pair.b.has(w) ||
      [...pair.a, ...pair.b].some((f) => w === f.replace(/(ing|ed|s)$/, ""));
    if (alignment(query, candidate, inPair) >= MIN_ALIGNMENT) {
      return { kind: "direction", detail: `${found[0]} vs ${found[1]}` };
    }
  }
  return null;
}
