// What the workbench page (graph/sparql/static/workbench.js) takes from CodeMirror 6:
// one global, `CM`, so that the page's own script stays plain, unbundled JavaScript.
export { EditorView, keymap, placeholder } from "@codemirror/view";
export { EditorState, Prec } from "@codemirror/state";
export { basicSetup } from "codemirror";
export { StreamLanguage } from "@codemirror/language";
export { sparql } from "@codemirror/legacy-modes/mode/sparql";
export { autocompletion, completeFromList } from "@codemirror/autocomplete";
export { defaultKeymap } from "@codemirror/commands";
