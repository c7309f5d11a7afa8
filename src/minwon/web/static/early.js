/* minwon: runs before the page is drawn (a file, not an inline script: the CSP forbids those).
   Marks the page as scripted so the phone menu starts folded behind its button; without
   scripts the menu simply stays open. */
document.documentElement.classList.add("js");
