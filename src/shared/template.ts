// Coco's prompt templates use Go-template variables ({{.query}}); a missing variable renders as "".
export function renderTemplate(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => vars[name] ?? '');
}
