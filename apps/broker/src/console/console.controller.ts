import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleAssets } from './console-assets';
import { CONSOLE_HEADERS } from './console-headers';

export const CONSOLE_ASSETS = Symbol('CONSOLE_ASSETS');

/** `/console`: the admin console's page and the modules and styles it loads. */
@Controller('console')
export class ConsoleController {
  constructor(@Inject(CONSOLE_ASSETS) private readonly assets: ConsoleAssets) {}

  @Get()
  page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.send('index.html', request, reply);
  }

  @Get(':file')
  file(
    @Param('file') file: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.send(file, request, reply);
  }

  private async send(name: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const asset = this.assets.get(name);
    if (asset === undefined) throw new NotFoundException();
    void reply.headers(CONSOLE_HEADERS).header('ETag', asset.etag);
    if (matches(request.headers['if-none-match'], asset.etag)) {
      await reply.status(304).send();
      return;
    }
    await reply.status(200).header('Content-Type', asset.contentType).send(asset.body);
  }
}

/** RFC 9110 §13.1.2: `If-None-Match` lists entity tags (compared weakly) or is `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
