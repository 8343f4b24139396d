// The site's one inline script (besides the search page's Pagefind UI), run in <head> before the
// page paints: it sets `data-theme` on <html> from the remembered choice (no flash of the wrong
// theme), makes the header button cycle system → light → dark and remember it in localStorage,
// and lets `/` or Ctrl-K / Cmd-K focus the header search box. Kept as one constant so the
// hostile-build test can check that it is the only script on a briefing page, byte for byte.
// Written compactly (every byte is in every page); what it does, step by step:
// t = remembered mode ('light' | 'dark', else 'system'); s() writes it to <html data-theme>
// and to the button's label and aria-label; a click on [data-theme-toggle] moves to the next
// mode and stores it (system = nothing stored); `/` (not while typing in a field) or Ctrl/Cmd-K
// focuses #header-q, or the page's own search box where the header has none.
export const THEME_SCRIPT = `(function(){var d=document,r=d.documentElement,K='kb-theme',M=['system','light','dark'],t='system';try{var v=localStorage.getItem(K);if(M.indexOf(v)>0)t=v}catch(e){}function s(){r.setAttribute('data-theme',t);var b=d.querySelector('[data-theme-toggle]');if(!b)return;var l=b.querySelector('[data-theme-label]');if(l)l.textContent=t[0].toUpperCase()+t.slice(1);b.setAttribute('aria-label','Colour theme: '+t+'. Change to '+M[(M.indexOf(t)+1)%3])}s();d.addEventListener('DOMContentLoaded',s);d.addEventListener('click',function(e){if(!(e.target.closest&&e.target.closest('[data-theme-toggle]')))return;t=M[(M.indexOf(t)+1)%3];try{t=='system'?localStorage.removeItem(K):localStorage.setItem(K,t)}catch(e){}s()});d.addEventListener('keydown',function(e){var k=e.key,a=d.activeElement,c=(k=='k'||k=='K')&&(e.ctrlKey||e.metaKey)&&!e.altKey,f=k=='/'&&!e.ctrlKey&&!e.metaKey&&!e.altKey&&!(a&&(a.isContentEditable||/^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)));if(!c&&!f)return;var x=d.getElementById('header-q')||d.querySelector('main input[type="search"]');if(!x)return;e.preventDefault();x.focus();x.select&&x.select()})})();`;
