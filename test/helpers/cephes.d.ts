// cephes ships index.d.ts, but its package.json "exports" map hides it from NodeNext resolution.
declare module 'cephes' {
  const cephes: {
    compiled: Promise<void>;
    lgam(x: number): number;
    psi(x: number): number;
    hyp2f1(a: number, b: number, c: number, x: number): number;
  };
  export default cephes;
}
