"""Linking cokg to other data: SSSOM mapping sets (`sssom`, `submitting`), JSON-LD with cokg's
context (`jsonld`), the VoID/DCAT description (`void`), nanopublications (`nanopubs`) and the
RO-Crate package (`rocrate`)."""
