// @ts-check

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The custom server (server/) owns /api, /collab and the event stream; Next.js serves pages.
  typescript: { tsconfigPath: "tsconfig.json" },
};

export default nextConfig;
