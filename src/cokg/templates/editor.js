// The query editor at /editor: YASGUI over this server's /sparql endpoint, with the project's
// prefixes and one tab per saved query (the page's JSON config, built by cokg.serve.editor).
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  var config = JSON.parse(document.getElementById("cokg-editor-config").textContent);
  var Yasgui = window.Yasgui && (window.Yasgui.default || window.Yasgui);
  if (!root || typeof Yasgui !== "function") {
    return;
  }
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var prefixesUrl = new URL(config.prefixes_url, window.location.href).href;

  // Nothing leaves the machine: the prefix completion reads this server's list, and the class
  // and property completion (which asks the Linked Open Vocabularies service) stays off.
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  Yasgui.Yasqe.defaults.prefixCcApi = prefixesUrl;

  var yasgui = new Yasgui(root, {
    // The tabs come from the server each time: saved queries change with the project.
    persistenceId: null,
    autoAddOnInit: false,
    populateFromUrl: false,
    copyEndpointOnNewTab: true,
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: endpoint }];
      },
    },
    // Folded PREFIX lines: the prologue of every prefix is long.
    yasqe: { value: config.tabs.length ? config.tabs[0].query : "", collapsePrefixesOnLoad: true },
  });
  config.tabs.forEach(function (tab, i) {
    yasgui.addTab(i === 0, {
      name: tab.name,
      yasqe: { value: tab.query },
      requestConfig: { endpoint: endpoint },
    });
  });
  window.cokgEditor = yasgui;
})();
