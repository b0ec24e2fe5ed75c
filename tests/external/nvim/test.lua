-- The language server driven by a real client: Neovim headless (Debian's package).
--   FORMWORK_BIN=target/release/formwork nvim --headless -u NONE -c 'luafile tests/external/nvim/test.lua'
-- Copies examples/acme to a temporary folder, opens a template and a spec with the
-- editors/neovim setup, introduces mistakes, waits for the diagnostics, asks for
-- hover, definition, completion, semantic tokens and inlay hints, and checks each
-- answer. Exits 1 on any wrong one.
local bin = os.getenv('FORMWORK_BIN') or 'formwork'
local repo = os.getenv('FORMWORK_REPO') or vim.fn.getcwd()
local out = io.stdout
local failures = 0

local function say(line)
  out:write(line .. '\n')
  out:flush()
end

local function check(name, ok, detail)
  if ok then
    say('ok: ' .. name)
  else
    failures = failures + 1
    say('FAIL: ' .. name .. ': ' .. vim.inspect(detail))
  end
end

local function finish()
  say(string.format('neovim: %d failed', failures))
  if failures > 0 then
    vim.cmd('cquit 1')
  else
    vim.cmd('qall!')
  end
end

local tmp = vim.fn.tempname()
vim.fn.mkdir(tmp, 'p')
vim.fn.system({ 'cp', '-r', repo .. '/examples/acme', tmp .. '/acme' })
local ws = tmp .. '/acme'
-- The `web` draft made version 2.2 (unpublished) and pinned by its spec, so edits to
-- the template reach the spec.
vim.fn.system({ 'sed', '-i', 's/version = "2.1"/version = "2.2"/', ws .. '/templates/web.fw' })
vim.fn.system({ 'sed', '-i', 's/web@2.1/web@2.2/', ws .. '/services/web.yaml' })

vim.opt.runtimepath:prepend(repo .. '/editors/neovim')
vim.cmd('filetype on')
require('formwork').setup({ cmd = { bin, 'lsp' } })

-- The 0-based line and column of the first `needle` in buffer `buf`.
local function find(buf, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i - 1, col - 1
    end
  end
  error('`' .. needle .. '` not found')
end

local function request(buf, method, line, col, extra)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = col },
  }
  for k, v in pairs(extra or {}) do
    params[k] = v
  end
  local client = vim.lsp.buf_get_clients(buf)
  local _, c = next(client)
  local r = c.request_sync(method, params, 10000, buf)
  return r and r.result, r and r.err
end

local function open(rel)
  vim.cmd('edit ' .. ws .. '/' .. rel)
  local buf = vim.api.nvim_get_current_buf()
  local attached = vim.wait(15000, function()
    return next(vim.lsp.buf_get_clients(buf)) ~= nil
  end, 50)
  check(rel .. ' attached to formwork lsp', attached, vim.bo.filetype)
  return buf
end

local function codes(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(found, d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code))
  end
  table.sort(found)
  return table.concat(found, ',')
end

local ok, err = pcall(function()
  -- A template.
  local web = open('templates/web.fw')
  check('a .fw file is a formwork buffer', vim.bo[web].filetype == 'formwork', vim.bo[web].filetype)
  check('the clean template has no diagnostics',
    vim.wait(3000, function() return #vim.diagnostic.get(web) > 0 end, 50) == false,
    vim.diagnostic.get(web))

  -- A misspelt name: E0101 at the name.
  local line, col = find(web, 'memory = memory')
  vim.api.nvim_buf_set_lines(web, line, line + 1, false, { '    memory = memroy' })
  vim.wait(15000, function() return #vim.diagnostic.get(web) > 0 end, 50)
  local diags = vim.diagnostic.get(web)
  check('a misspelt name is diagnosed as typed', codes(web) == 'E0101', diags)
  check('the diagnostic is on the name', diags[1] and diags[1].lnum == line and diags[1].col == 13, diags[1])
  check('its message says so, with the fix',
    diags[1] and diags[1].message:find('unknown name `memroy`', 1, true) ~= nil
      and diags[1].message:find('did you mean `memory`?', 1, true) ~= nil, diags[1])

  -- Hover on an input.
  line, col = find(web, 'image: String')
  local hover = request(web, 'textDocument/hover', line, col + 1)
  local value = hover and hover.contents and hover.contents.value or ''
  check('hover on an input shows it and its doc',
    value:find('input `image`', 1, true) ~= nil and value:find('The container image to run', 1, true) ~= nil, hover)

  -- Definition of an environment output.
  line, col = find(web, 'environment.outputs.cluster_arn')
  local def = request(web, 'textDocument/definition', line, col + 22)
  local target = def and (def.uri or (def[1] and def[1].uri)) or ''
  local range = def and (def.range or (def[1] and def[1].range)) or {}
  check('definition of environment.outputs.cluster_arn is the environment template\'s output',
    target:sub(-#'registry/shared-vpc/3.1/templates/shared-vpc.fw') == 'registry/shared-vpc/3.1/templates/shared-vpc.fw'
      and range.start and range.start.line == 47 and range.start.character == 9, def)

  -- Completion after `input.`.
  line, col = find(web, 'let memory = cpu * 2')
  vim.api.nvim_buf_set_lines(web, line, line + 1, false, { '  let memory = input.' })
  local items = request(web, 'textDocument/completion', line, 21)
  local labels = {}
  for _, it in ipairs(items and (items.items or items) or {}) do
    labels[it.label] = true
  end
  check('completion after `input.` offers the inputs',
    labels['desired_count'] and labels['image'] and labels['health_check'], items)
  -- Mend the template: its diagnostics go.
  vim.api.nvim_buf_set_lines(web, line, line + 1, false, { '  let memory = cpu * 2' })
  line = find(web, 'memory = memroy')
  vim.api.nvim_buf_set_lines(web, line, line + 1, false, { '    memory = memory' })
  check('mended, the template has no diagnostics',
    vim.wait(15000, function() return #vim.diagnostic.get(web) == 0 end, 50), vim.diagnostic.get(web))

  -- Semantic tokens: the file opens with a doc comment (type 6, `comment`, with the
  -- `documentation` modifier, bit 2).
  local tokens = request(web, 'textDocument/semanticTokens/full', 0, 0)
  local data = tokens and tokens.data or {}
  check('semantic tokens open with the doc comment',
    data[1] == 0 and data[2] == 0 and data[4] == 6 and data[5] == 2, data)

  -- A spec.
  local spec = open('services/web.yaml')
  check('a service spec is a yaml.formwork buffer', vim.bo[spec].filetype == 'yaml.formwork', vim.bo[spec].filetype)
  line, col = find(spec, 'desired_count: 1')
  vim.api.nvim_buf_set_lines(spec, line, line + 1, false, { '      desried_count: 1' })
  vim.wait(15000, function() return #vim.diagnostic.get(spec) > 0 end, 50)
  diags = vim.diagnostic.get(spec)
  check('a misspelt input in a spec is diagnosed as typed', codes(spec) == 'E0311', diags)
  check('with the template\'s name as the fix',
    diags[1] and diags[1].message:find('did you mean `desired_count`?', 1, true) ~= nil, diags[1])
  line, col = find(spec, 'image:')
  hover = request(spec, 'textDocument/hover', line, col + 1)
  value = hover and hover.contents and hover.contents.value or ''
  check('hover on a spec key shows the template\'s input', value:find('input `image`', 1, true) ~= nil, hover)
  line, col = find(spec, 'environment: dev')
  def = request(spec, 'textDocument/definition', line, col + 14)
  target = def and (def.uri or (def[1] and def[1].uri)) or ''
  check('definition of `environment: dev` is its spec',
    target:sub(-#'environments/dev.yaml') == 'environments/dev.yaml', def)
  line, col = find(spec, 'size: large')
  items = request(spec, 'textDocument/completion', line, col + 6)
  labels = {}
  for _, it in ipairs(items and (items.items or items) or {}) do
    labels[it.label] = true
  end
  check('completion of an enum input\'s value offers its members',
    labels['small'] and labels['medium'] and labels['large'], items)

  -- Inlay hints: the defaults an instance leaves out.
  local hints = request(spec, 'textDocument/inlayHint', 0, 0, {
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 1000, character = 0 } },
  })
  local shown = {}
  for _, h in ipairs(hints or {}) do
    shown[h.label] = true
  end
  check('inlay hints show the defaults an instance leaves out', shown['port = 80'], hints)
end)
check('the script ran to its end', ok, err)
finish()
