-- formwork for Neovim 0.7 to 0.10 (0.11+ can use lsp/formwork.lua instead):
--   require('formwork').setup({ cmd = { 'formwork', 'lsp' } })
-- starts `formwork lsp` for templates (`*.fw`) and for spec files, the YAML and JSON
-- files of a workspace's environments/ and services/ folders (a workspace is a folder
-- holding formwork.yaml), one server per workspace.
local M = {}

local config = { cmd = { 'formwork', 'lsp' } }

-- The workspace holding `path`: the nearest folder at or above it with formwork.yaml.
function M.root(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while dir and dir ~= '' do
    if vim.fn.filereadable(dir .. '/formwork.yaml') == 1 then
      return dir
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return nil
    end
    dir = parent
  end
  return nil
end

-- Marks a YAML or JSON buffer as a spec file when it is in a workspace's
-- environments/ or services/ folder.
function M.detect_spec()
  local path = vim.fn.expand('<afile>:p')
  local root = M.root(path)
  if not root then
    return
  end
  local folder = vim.fn.fnamemodify(path, ':h:t')
  local parent = vim.fn.fnamemodify(path, ':h:h')
  if parent ~= root or (folder ~= 'environments' and folder ~= 'services') then
    return
  end
  local ext = vim.fn.fnamemodify(path, ':e')
  vim.bo.filetype = (ext == 'json' and 'json' or 'yaml') .. '.formwork'
end

local clients = {}

local function start(bufnr)
  local path = vim.api.nvim_buf_get_name(bufnr)
  local root = M.root(path) or vim.fn.fnamemodify(path, ':p:h')
  local spec = {
    name = 'formwork',
    cmd = config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
  }
  if vim.lsp.start then -- 0.8+
    vim.lsp.start(spec, { bufnr = bufnr })
    return
  end
  local id = clients[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(spec)
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.setup(opts)
  config = vim.tbl_extend('force', config, opts or {})
  vim.cmd([[
    augroup formwork_lsp
      autocmd!
      autocmd FileType formwork,yaml.formwork,json.formwork lua require('formwork').attach()
    augroup END
  ]])
end

function M.attach()
  start(vim.api.nvim_get_current_buf())
end

return M
