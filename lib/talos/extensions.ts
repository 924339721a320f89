/** Official Talos system extensions that add-ons depend on (Image Factory names). */
export const EXTENSIONS = {
  kataContainers: 'siderolabs/kata-containers',
  nvidiaKmodProduction: 'siderolabs/nonfree-kmod-nvidia-production',
  nvidiaKmodLts: 'siderolabs/nonfree-kmod-nvidia-lts',
  nvidiaOpenKmodProduction: 'siderolabs/nvidia-open-gpu-kernel-modules-production',
  nvidiaOpenKmodLts: 'siderolabs/nvidia-open-gpu-kernel-modules-lts',
  nvidiaToolkitProduction: 'siderolabs/nvidia-container-toolkit-production',
  nvidiaToolkitLts: 'siderolabs/nvidia-container-toolkit-lts',
} as const;
