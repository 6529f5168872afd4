import type { Capabilities } from './capabilities';
import type { PseudoUpdate, UpdatePlan } from './client-updates';
import { copyRect, type EncodedRect, type EncodeSettings, type RectEncoder } from './encoders';
import type { PixelSource, Translator } from './framebuffer/translate';
import { DesktopSizeStatus, Encoding } from './protocol/constants';
import { framebufferUpdateHeader, rectangleHeader } from './protocol/server-messages';

export interface UpdateContext {
  readonly capabilities: Capabilities;
  readonly encoder: RectEncoder;
  readonly source: PixelSource;
  readonly translator: Translator;
  readonly settings: EncodeSettings;
  /** The pseudo-rectangle for a piece of news, or nothing when the client cannot take it. */
  pseudoRect(update: PseudoUpdate): EncodedRect | undefined;
}

/**
 * The bytes of one FramebufferUpdate: news first (cursor, LEDs, layout…), then
 * copies, then pixels in screen order, so the bottom-right rectangle comes
 * last (gtk-vnc's capture tool takes the screen as complete when it arrives).
 */
export async function buildUpdate(plan: UpdatePlan, context: UpdateContext): Promise<Uint8Array[]> {
  const rects: EncodedRect[] = [];
  if (plan.kind === 'resize') {
    const layout = context.capabilities.extendedDesktopSize
      ? context.pseudoRect({ kind: 'layout', reason: plan.reason, status: DesktopSizeStatus.OK })
      : undefined;
    rects.push(layout ?? { rect: { x: 0, y: 0, w: plan.width, h: plan.height }, encoding: Encoding.DESKTOP_SIZE, body: [] });
  } else {
    for (const update of plan.pseudo) {
      const rect = context.pseudoRect(update);
      if (rect) rects.push(rect);
    }
    for (const { source, target } of plan.copies) rects.push(copyRect(target, source.x, source.y));
    const { encoder, source, translator, settings } = context;
    // One rectangle after another: a later one may read newer pixels than an earlier one,
    // which is harmless, since whatever changed is damage and will be sent again.
    for (const rect of plan.rects) rects.push(...(await encoder.encode({ source, rect, translator, settings })));
  }
  const chunks: Uint8Array[] = [framebufferUpdateHeader(rects.length)];
  for (const { rect, encoding, body } of rects) chunks.push(rectangleHeader(rect, encoding), ...body);
  return chunks;
}
