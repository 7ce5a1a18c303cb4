import {
  BufferAttribute, BufferGeometry, CanvasTexture, Group, LinearMipmapLinearFilter, Matrix4, Mesh, ShaderMaterial, Vector2,
  Vector3, WebGLRenderer,
} from 'three';
import { createCanvasMaterial } from './canvas-material';

export type Painter = (ctx: CanvasRenderingContext2D, width: number, height: number) => void;

export interface AtlasSlot {
  readonly index: number;
  readonly page: number;
  /** slot within its page */
  readonly local: number;
  width: number;
  height: number;
  visible: boolean;
  readonly matrix: Matrix4;
}

export interface QuadAtlasOptions {
  slotWidth: number;
  slotHeight: number;
  pageSize?: number;
  name: string;
  renderOrder?: number;
}

const _corner = new Vector3();
const _dst = new Vector2();
const CORNERS = [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]];

/**
 * Many small canvas-drawn quads (info cards, labels) in ONE mesh per texture page, so they cost one draw call
 * per page instead of one per quad. A quad's pixels are painted on a small staging canvas and copied into the
 * page with texSubImage2D (never the whole page), a few per frame (`flush`).
 */
export class QuadAtlas {
  readonly object = new Group();
  private readonly pages: { mesh: Mesh; texture: CanvasTexture; geometry: BufferGeometry; dirty: boolean }[] = [];
  private readonly slots: AtlasSlot[] = [];
  private readonly pending = new Map<AtlasSlot, Painter>();
  private readonly staging: HTMLCanvasElement;
  private readonly stagingTexture: CanvasTexture;
  private readonly cols: number;
  private readonly perPage: number;
  private readonly pageSize: number;

  constructor(private readonly renderer: WebGLRenderer, private readonly options: QuadAtlasOptions) {
    this.pageSize = options.pageSize ?? 2048;
    this.cols = Math.floor(this.pageSize / options.slotWidth);
    this.perPage = this.cols * Math.floor(this.pageSize / options.slotHeight);
    this.staging = document.createElement('canvas');
    this.staging.width = options.slotWidth;
    this.staging.height = options.slotHeight;
    this.stagingTexture = new CanvasTexture(this.staging);
    this.object.name = options.name;
  }

  get slotWidth(): number {
    return this.options.slotWidth;
  }

  get slotHeight(): number {
    return this.options.slotHeight;
  }

  /** true while repaints are queued or quads moved (the next flush changes what is drawn) */
  get busy(): boolean {
    return this.pending.size > 0 || this.pages.some((p) => p.dirty);
  }

  get meshes(): Mesh[] {
    return this.pages.map((p) => p.mesh);
  }

  allocate(width: number, height: number): AtlasSlot {
    const index = this.slots.length;
    const page = Math.floor(index / this.perPage);
    if (page >= this.pages.length) this.addPage();
    const slot: AtlasSlot = { index, page, local: index % this.perPage, width, height, visible: true, matrix: new Matrix4() };
    this.slots.push(slot);
    this.writeUvs(slot);
    return slot;
  }

  /** Queue a repaint of the slot; the latest painter wins. */
  paint(slot: AtlasSlot, painter: Painter): void {
    this.pending.set(slot, painter);
  }

  /** Write the slot's quad (after changing matrix, size or visibility). */
  place(slot: AtlasSlot): void {
    const geometry = this.pages[slot.page].geometry;
    const position = geometry.getAttribute('position') as BufferAttribute;
    for (let i = 0; i < 4; i++) {
      if (slot.visible) _corner.set(CORNERS[i][0] * slot.width, CORNERS[i][1] * slot.height, 0).applyMatrix4(slot.matrix);
      else _corner.set(0, -1000, 0);
      position.setXYZ(slot.local * 4 + i, _corner.x, _corner.y, _corner.z);
    }
    position.needsUpdate = true;
    this.pages[slot.page].dirty = true;
  }

  /** Slot under a raycast hit on one of the page meshes, with the hit in slot pixels (x right, y down). */
  slotAt(mesh: Mesh, faceIndex: number, uv: Vector2): { slot: AtlasSlot; x: number; y: number } | null {
    const page = this.pages.findIndex((p) => p.mesh === mesh);
    const slot = this.slots[page * this.perPage + Math.floor(faceIndex / 2)];
    if (!slot) return null;
    const [u0, v0] = this.slotOrigin(slot);
    const x = uv.x * this.pageSize - u0;
    const y = this.options.slotHeight - (uv.y * this.pageSize - v0);
    return { slot, x, y };
  }

  /** Copy queued paints into the pages; at most `budget` per call. Call once per frame before rendering. */
  flush(budget = 24): void {
    for (const page of this.pages) {
      if (!page.dirty) continue;
      page.geometry.computeBoundingSphere();
      page.dirty = false;
    }
    if (this.pending.size === 0) return;
    const { slotWidth, slotHeight } = this.options;
    const ctx = this.staging.getContext('2d')!;
    let n = Math.min(budget, this.pending.size);
    for (const [slot, painter] of this.pending) {
      if (n-- <= 0) break;
      this.pending.delete(slot);
      ctx.clearRect(0, 0, slotWidth, slotHeight);
      ctx.save();
      painter(ctx, slotWidth, slotHeight);
      ctx.restore();
      const texture = this.pages[slot.page].texture;
      texture.mipmapsAutoUpdate = n <= 0 || this.nextPendingOnOtherPage(slot.page);
      const [x, y] = this.slotOrigin(slot);
      this.renderer.copyTextureToTexture(this.stagingTexture, texture, null, _dst.set(x, y) as never);
    }
  }

  dispose(): void {
    for (const p of this.pages) {
      p.geometry.dispose();
      p.texture.dispose();
      (p.mesh.material as ShaderMaterial).dispose();
    }
    this.stagingTexture.dispose();
  }

  private nextPendingOnOtherPage(page: number): boolean {
    for (const slot of this.pending.keys()) return slot.page !== page;
    return true;
  }

  private slotOrigin(slot: AtlasSlot): [number, number] {
    const { slotWidth, slotHeight } = this.options;
    return [(slot.local % this.cols) * slotWidth, Math.floor(slot.local / this.cols) * slotHeight];
  }

  private writeUvs(slot: AtlasSlot): void {
    const uv = this.pages[slot.page].geometry.getAttribute('uv') as BufferAttribute;
    const [x, y] = this.slotOrigin(slot);
    const s = this.pageSize;
    const u0 = x / s, u1 = (x + this.options.slotWidth) / s, v0 = y / s, v1 = (y + this.options.slotHeight) / s;
    const base = slot.local * 4;
    uv.setXY(base, u0, v0);
    uv.setXY(base + 1, u1, v0);
    uv.setXY(base + 2, u1, v1);
    uv.setXY(base + 3, u0, v1);
    uv.needsUpdate = true;
    slot.visible = false;
    this.place(slot);
    slot.visible = true;
  }

  private addPage(): void {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = this.pageSize;
    const texture = new CanvasTexture(canvas);
    texture.minFilter = LinearMipmapLinearFilter;
    texture.anisotropy = Math.min(8, this.renderer.capabilities.getMaxAnisotropy());
    const geometry = new BufferGeometry();
    const n = this.perPage;
    geometry.setAttribute('position', new BufferAttribute(new Float32Array(n * 12), 3));
    geometry.setAttribute('uv', new BufferAttribute(new Float32Array(n * 8), 2));
    const index = new Uint32Array(n * 6);
    for (let i = 0; i < n; i++) index.set([i * 4, i * 4 + 1, i * 4 + 2, i * 4, i * 4 + 2, i * 4 + 3], i * 6);
    geometry.setIndex(new BufferAttribute(index, 1));
    const material = createCanvasMaterial(texture, { depthWrite: false });
    const mesh = new Mesh(geometry, material);
    mesh.frustumCulled = false;
    mesh.renderOrder = this.options.renderOrder ?? 1;
    mesh.name = `${this.options.name}-page${this.pages.length}`;
    this.renderer.initTexture(texture);
    this.pages.push({ mesh, texture, geometry, dirty: true });
    this.object.add(mesh);
  }
}
