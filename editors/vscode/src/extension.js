// The formwork extension: starts `formwork lsp` (the binary from the
// `formwork.server.path` setting) for templates and for the spec files of a
// workspace (YAML and JSON under environments/ and services/).
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration('formwork');
  const command = settings.get('server.path', 'formwork');
  const args = ['lsp', ...settings.get('server.extraArgs', [])];
  const specs = ['environments', 'services'].flatMap((folder) =>
    ['yaml', 'yml', 'json'].map((ext) => ({ scheme: 'file', pattern: `**/${folder}/*.${ext}` }))
  );
  client = new LanguageClient(
    'formwork',
    'formwork',
    { command, args },
    {
      documentSelector: [{ scheme: 'file', language: 'formwork' }, ...specs],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.fw,formwork.yaml,environments/*,services/*}'),
      },
    }
  );
  context.subscriptions.push(
    vscode.commands.registerCommand('formwork.restartServer', () => client.restart())
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
