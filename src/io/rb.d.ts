declare module '*.rb' {
  const source: string;
  export default source;
}
