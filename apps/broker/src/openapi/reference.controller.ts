import { applyDecorators, Controller, Get, Header } from '@nestjs/common';
import { openApiDocument } from './openapi-document';
import { REFERENCE_CSP, REFERENCE_CSS, REFERENCE_HTML, REFERENCE_JS } from './reference-page';

/** An answer of `contentType` under the reference page's Content-Security-Policy. */
const Served = (contentType: string) =>
  applyDecorators(
    Header('Content-Type', contentType),
    Header('Content-Security-Policy', REFERENCE_CSP),
    Header('X-Content-Type-Options', 'nosniff'),
    Header('Referrer-Policy', 'no-referrer'),
    Header('Cache-Control', 'no-cache'),
  );

/** `GET /openapi.json` and the reference page at `/docs`, which renders it. */
@Controller()
export class ReferenceController {
  private readonly document = JSON.stringify(openApiDocument());

  @Get('openapi.json')
  @Served('application/json; charset=utf-8')
  openApi(): string {
    return this.document;
  }

  @Get('docs')
  @Served('text/html; charset=utf-8')
  page(): string {
    return REFERENCE_HTML;
  }

  @Get('docs/docs.js')
  @Served('text/javascript; charset=utf-8')
  script(): string {
    return REFERENCE_JS;
  }

  @Get('docs/docs.css')
  @Served('text/css; charset=utf-8')
  style(): string {
    return REFERENCE_CSS;
  }
}
