// The part of unzipper (no bundled types) used to read a zip's central directory without inflating anything.
declare module 'unzipper' {
  interface CentralDirectoryFile {
    path: string;
    uncompressedSize: number;
    compressedSize: number;
  }
  interface CentralDirectory {
    files: CentralDirectoryFile[];
  }
  const unzipper: { Open: { buffer(buffer: Buffer): Promise<CentralDirectory> } };
  export default unzipper;
}
