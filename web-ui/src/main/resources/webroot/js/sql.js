import { h } from './dom.js';

// SQL highlighting as spans built with textContent: the statement text is agent data and never parsed as HTML.
const KEYWORDS = new Set(('select from where and or not in is null like ilike between join left right inner outer full '
  + 'on as group by order having limit offset insert into values update set delete returning distinct union all '
  + 'case when then else end exists with asc desc for nulls first last count sum avg min max now true false '
  + 'create table index drop alter begin commit rollback coalesce lateral').split(' '));
const TOKEN = /(\/\*[\s\S]*?\*\/|--[^\n]*)|('(?:[^']|'')*')|("(?:[^"]|"")*")|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)|(:[A-Za-z_][A-Za-z0-9_]*|\$\d+|\?)|(\s+|.)/g;

export function highlightSql(text) {
  const code = h('code', { class: 'sql' });
  let match;
  TOKEN.lastIndex = 0;
  let guard = 0;
  while ((match = TOKEN.exec(text)) !== null && guard++ < 20000) {
    const [token, comment, string, quoted, number, word, bind] = match;
    let cls = null;
    if (comment) cls = 'c';
    else if (string) cls = 's';
    else if (quoted) cls = 'q';
    else if (number) cls = 'n';
    else if (word && KEYWORDS.has(word.toLowerCase())) cls = 'k';
    else if (bind) cls = 'b';
    code.append(cls ? h('span', { class: 'tok-' + cls }, token) : document.createTextNode(token));
  }
  return code;
}
