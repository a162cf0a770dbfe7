/**
 * The dashboard's stylesheet and refresh script, inlined into every page (no CDN, no fonts, no
 * external file). Tables turn into stacked cards below 640 px so a phone needs no side-scrolling.
 * Every section spans the page: the decisions table has seven columns (half a page overflowed),
 * and the taxonomy tree flows into columns instead of one long half-width list.
 */

export const REFRESH_S = 5;

export const STYLE = `
:root{--fg:#1d2330;--muted:#5f6673;--line:#dde1ea;--ok:#0a7d4f;--bad:#c0392b;--warn:#a86a12;--bar:#3b6fd8;--panel:#fff;--bg:#f4f5f9}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--fg);background:var(--bg)}
header.top{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;justify-content:space-between;padding:.6rem 1rem;background:#1d2330;color:#fff}
header.top h1{font-size:1.05rem;margin:0}
header.top .meta{font-size:12px;color:#c9cede}
header.top form{margin:0}
button{font:inherit;padding:.3rem .8rem;border-radius:6px;border:1px solid #aab;background:#fff;cursor:pointer}
main{max-width:1280px;margin:0 auto;padding:1rem;display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,480px),1fr))}
section{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem;min-width:0}
section.wide{grid-column:1/-1}
h2{font-size:1rem;margin:.2rem 0 .5rem}
h3{font-size:.95rem;margin:.6rem 0 .3rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .45rem;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-weight:600;color:var(--muted);font-size:12px}
tr.node-row th{background:#f0f2f8;font-weight:400}
.node-name{font-weight:700}
.num{text-align:right;font-variant-numeric:tabular-nums}
tbody.stale{color:#8a8f9a;filter:grayscale(1)}
tbody.stale td,tbody.stale th{opacity:.55}
.membar{min-width:9rem}
.bar{position:relative;height:.8rem;background:#e6e9f2;border-radius:3px;overflow:hidden}
.bar>span{position:absolute;top:0;bottom:0;left:0;background:var(--bar)}
.bar>span.full{background:var(--bad)}
.badge{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:12px;border:1px solid currentColor;white-space:nowrap}
.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}.muted{color:var(--muted)}.small{font-size:12px}
ul.reasons{margin:.2rem 0 0;padding-left:1rem;font-size:12px;color:var(--bad)}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.1rem;border-left:1px dashed #c5cad6}
ul.tree{padding-left:0;border-left:0}
#taxonomy{grid-column:1/-1}
#taxonomy>ul.tree{columns:3 20rem;column-gap:1.5rem}
#taxonomy>ul.tree>li{break-inside:avoid;margin-top:0}
ul.tree li{margin:.3rem 0}
article.experiment{border-top:1px solid var(--line);padding-top:.4rem;margin-top:.4rem}
article.experiment:first-of-type{border-top:0;margin-top:0}
.winner{margin:.3rem 0}
.charts{display:grid;gap:.5rem 1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,300px),1fr));margin-top:.5rem}
figure.chart{margin:0}
figcaption{font-size:12px;color:var(--muted)}
svg.ci-chart{width:100%;height:auto;display:block}
table.decisions-table{font-size:13px}
table.decisions-table td{overflow-wrap:anywhere}
.warning{border:1px solid var(--warn);border-radius:6px;background:#fdf6e9;padding:.4rem .6rem;margin:.3rem 0 .6rem;font-size:13px}
.warning ul{margin:.3rem 0 0;padding-left:1.1rem}
.warning code{overflow-wrap:anywhere}
footer{max-width:1280px;margin:0 auto;padding:0 1rem 1rem;font-size:12px;color:var(--muted)}
.login{max-width:24rem;margin:4rem auto;background:#fff;border:1px solid var(--line);border-radius:8px;padding:1.25rem}
.login input{width:100%;font:inherit;padding:.45rem;margin:.3rem 0 .8rem;border:1px solid #aab;border-radius:6px}
@media (max-width:640px){
  main{padding:.5rem;gap:.5rem}
  section{padding:.5rem .6rem}
  table.cards thead{display:none}
  table.cards,table.cards tbody,table.cards tr,table.cards th{display:block;width:100%}
  table.cards tr{border-bottom:1px solid var(--line);padding:.25rem 0}
  table.cards td{display:flex;justify-content:space-between;gap:1rem;border:0;padding:.12rem 0;text-align:right}
  table.cards td::before{content:attr(data-label);color:var(--muted);font-size:12px;text-align:left}
  .membar{min-width:0;width:60%}
}`;

/**
 * With JavaScript on, every REFRESH_S seconds (while the tab is visible) the page fetches itself
 * and swaps its <main>; a 401 (session expired) reloads into the login form. With it off, the
 * page is complete as served.
 */
export const REFRESH_SCRIPT = `(function(){
if(!window.fetch||!window.DOMParser)return;var busy=false;
setInterval(function(){
if(busy||document.hidden)return;busy=true;
fetch(location.pathname,{credentials:"same-origin",cache:"no-store"}).then(function(r){
if(r.status===401){location.reload();return null}return r.ok?r.text():null;
}).then(function(html){
if(!html)return;var next=new DOMParser().parseFromString(html,"text/html").querySelector("main");var cur=document.querySelector("main");
if(next&&cur)cur.replaceWith(next);
}).catch(function(){}).then(function(){busy=false});
},${REFRESH_S * 1000});
})();`;

/** No external loads of any kind; inline style and script only; never framed. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
