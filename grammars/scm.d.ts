declare module '*.scm' {
  const source: string;
  export default source;
}
