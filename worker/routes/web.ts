/** The admin panel's HTML shell. Scripts are served as files (CSP allows no inline script). */

import { renderShell } from '../../web/src/shell.ts';
import { createRouter } from '../openapi.ts';

export const webRoutes = createRouter();

webRoutes.get('/', (c) => c.redirect('/admin', 302));
webRoutes.get('/admin', (c) => c.html(renderShell()));
