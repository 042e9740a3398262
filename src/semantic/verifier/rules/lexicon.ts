/**
 * @module The rule verifier's small EN/PT lexicon: synonym groups (a word and its translation count as
 * one term), words that may appear on one side only without changing the question, and function words
 * that do change it. Folded (lower case, no accents). Kept short on purpose: every entry is a claim
 * that two words are interchangeable in *any* question, and a wrong entry serves a wrong answer.
 */

import { englishBases, lemma } from "./lemma";
import { WORDNET_GROUPS } from "./wordnet";

/** One group per line: words (EN and PT) that mean the same in a question about them. */
const SYNONYMS_SOURCE = `
difference differences diferenca diferencas versus vs compare comparison comparar comparacao distinguish
calculate calculation compute calcular calculo
learn study aprender estudar
important importance matter matters importante importancia
use using utilize usar utilizar uso apply aplicar
way method forma maneira jeito modo
beginner beginners novice iniciante iniciantes novato
strategy estrategia
analysis analyze analyse analise analisar
chart charts graph grafico graficos
price prices preco precos cotacao
stock stocks share shares acao acoes
market mercado
risk risks risco riscos
management manage managing gerenciamento gestao gerenciar gerir
trend trends tendencia tendencias
support suporte
resistance resistencia
candle candles candlestick candlesticks vela velas
average media
moving movel moveis
leverage alavancagem
liquidity liquidez
interest juros juro
profit profits lucro lucros
rate rates taxa taxas
order orders ordem ordens
block blocks bloco blocos
trader traders operador operadores
entry entrada
exit saida
breakout rompimento
currency currencies moeda moedas
dividend dividends dividendo dividendos
inflation inflacao
economy economia
invest investing investment investments investir investimento investimentos
account conta
portfolio carteira
tax taxes imposto impostos
loss losses perda perdas prejuizo
signal signals sinal sinais
pattern patterns padrao padroes
level levels nivel niveis
zone zones zona zonas
structure estrutura
money dinheiro
example examples exemplo exemplos
start begin comecar iniciar
identify find spot detect identificar encontrar achar detectar
draw plot desenhar tracar
read interpret ler interpretar
set place configurar definir colocar posicionar
avoid prevent evitar
improve melhorar
choose select pick escolher
protect proteger
type types kind kinds tipo tipos
main principal principais key
common comum comuns
step steps passo passos etapa etapas
simple easy simples facil
work works working function functions funcionar funciona funcionam
volatility volatilidade
volume volumes
spread spreads
broker corretora
exchange bolsa
fund funds fundo fundos
bond bonds titulo titulos
option options opcao opcoes
future futures futuro futuros
crypto cryptocurrency cryptocurrencies cripto criptomoeda criptomoedas
fibonacci fibo
earn make making
movie movies film films
picture pictures pic pics photo photos
`;

/** The words that name the domain itself: "in trading", "trading on margin", "no mercado". */
export const DOMAIN_WORDS: ReadonlySet<string> = new Set(
  "trading market markets mercado mercados".split(" "),
);

/**
 * Words that may stand on one side only: the domain the whole product is about ("in trading", "no
 * mercado financeiro") and the words of a request for a definition ("concept", "meaning", "in simple
 * terms"). They never decide between two questions.
 */
export const FILLERS: ReadonlySet<string> = new Set(
  (
    `${[...DOMAIN_WORDS].join(" ")} ` +
    "concept concepts conceito conceitos term terms termo termos meaning significado definition definicao " +
    "mean means significa quer dizer exactly exatamente actually basically basicamente simple simples " +
    "briefly brevemente resumidamente detail details detalhe detalhes please favor kindly thing things " +
    "coisa coisas idea ideia tell say dizer explain explique " +
    "explica explicar explanation explicacao describe descreva descrever define defina overview " +
    // Praise words, like "good" and "best" (stop words): "great books" are the good ones.
    "great greatest"
  ).split(" "),
);

/**
 * Category nouns: "the RSI indicator" is the RSI, "the bull flag pattern" the bull flag. One may stand
 * on one side only; two different ones ("pattern" vs "indicator") are still a substitution.
 */
export const CATEGORY_WORDS: ReadonlySet<string> = new Set(
  (
    "pattern patterns indicator indicators padrao padroes indicador indicadores formation formacao " +
    // "Chinese people" are the Chinese; "how do people know" asks what "how do you know" does.
    "people person persons pessoas pessoa"
  ).split(" "),
);

/**
 * Contrast words that only intensify when the other prompt has no contrast word in their place: "How
 * do I get more traffic?" asks what "How do I get traffic?" does; "more" against "less" still differs.
 */
export const SOFT_QUALIFIERS: ReadonlySet<string> = new Set("more all mais todos todas".split(" "));

/** Stop words that still carry content in a question ("like" in "why do I like X", "one-way"). */
export const KEPT_STOPWORDS: ReadonlySet<string> = new Set("like one way ways own".split(" "));

/** "Financial" says nothing next to "market": "financial markets", "mercado financeiro". */
export const MARKET_QUALIFIERS: ReadonlySet<string> = new Set(
  "financial financeiro financeiros financeira global globais".split(" "),
);

/**
 * Function words that change a question although they are stop words: "off page" vs "on page", "with"
 * vs "without", "most" vs "all". A contrast word on one side only is a qualifier, not noise.
 */
export const CONTRAST_WORDS: ReadonlySet<string> = new Set(
  (
    "off out without under over above below before after less fewer least most more against up down " +
    "first last only never always all every none each other both either neither same different " +
    "sem contra antes depois acima abaixo mais menos sempre nunca todos todas cada apenas somente " +
    "primeiro primeira ultimo ultima outro outra mesmo mesma diferente and or ou nor nem"
  ).split(" "),
);

const GROUP_BY_LEMMA: ReadonlyMap<string, number> = new Map(
  SYNONYMS_SOURCE.trim()
    .split("\n")
    .flatMap((line, group) =>
      line.split(" ").flatMap((w) => [[w, group] as const, [lemma(w), group] as const]),
    ),
);

/** The synonym group of a folded word, or undefined. */
export function synonymGroup(word: string): number | undefined {
  return GROUP_BY_LEMMA.get(word) ?? GROUP_BY_LEMMA.get(lemma(word));
}

let wordnetByWord: Map<string, number[]> | undefined;

/**
 * WordNet synonym sets of an English word in any inflection ("purchased" is in the set of "buy"), from
 * the generated table of each word's most frequent senses (scripts/wordnet-synonyms.mjs). Two words
 * sharing a set are interchangeable in their usual sense; a rare sense never joins them.
 */
export function wordnetSets(word: string): readonly number[] {
  if (!wordnetByWord) {
    wordnetByWord = new Map();
    for (const [i, line] of WORDNET_GROUPS.split("\n").entries()) {
      for (const w of line.split(" ")) {
        const sets = wordnetByWord.get(w);
        if (sets) sets.push(i);
        else wordnetByWord.set(w, [i]);
      }
    }
  }
  const table = wordnetByWord;
  if (word.length < 3 || /\d/.test(word)) return [];
  return [...new Set(englishBases(word).flatMap((b) => table.get(b) ?? []))];
}
