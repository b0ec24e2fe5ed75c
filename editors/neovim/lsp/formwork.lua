-- formwork's language server for Neovim 0.11+ (`vim.lsp.config`): put this folder on
-- 'runtimepath' (see editors/README.md) and call `vim.lsp.enable('formwork')`.
-- Templates are the `formwork` filetype; spec files (YAML or JSON under a workspace's
-- environments/ and services/) are `yaml.formwork` / `json.formwork` (ftdetect/).
return {
  cmd = { 'formwork', 'lsp' },
  filetypes = { 'formwork', 'yaml.formwork', 'json.formwork' },
  root_markers = { 'formwork.yaml' },
}
