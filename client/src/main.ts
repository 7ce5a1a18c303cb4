import { startApp } from './app/app';

const container = document.getElementById('lw-scene')!;
const overlay = document.getElementById('lw-overlay')!;
startApp(container, overlay);
